"""The application's key for victims' personal data.

``FUNDLEDGER_PII_KEY`` in production (the app refuses to start without it);
in development a key is generated once into ``instance/pii_key`` so that a
newcomer needs nothing, and a warning says so.
"""

from __future__ import annotations

from flask import Flask, current_app

from app.dev_keys import development_key
from ledger.pii import PiiCipher, generate_key

_EXTENSION = "fundledger.pii"


def init_app(app: Flask) -> None:
    setting = app.config.get("PII_KEY")
    if not setting:
        if app.config["FUNDLEDGER_ENV"] == "production":
            raise RuntimeError("FUNDLEDGER_PII_KEY must be set in production")
        setting = development_key(app.instance_path, "pii_key", "FUNDLEDGER_PII_KEY", generate_key)
    app.extensions[_EXTENSION] = PiiCipher.from_setting(setting)


def cipher() -> PiiCipher:
    return current_app.extensions[_EXTENSION]
