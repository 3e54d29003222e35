"""The application's key for victims' personal data.

``FUNDLEDGER_PII_KEY`` in production (the app refuses to start without it);
in development a key is generated once into ``instance/pii_key`` so that a
newcomer needs nothing, and a warning says so.
"""

from __future__ import annotations

from flask import Flask, current_app

from app.dev_keys import key_setting
from ledger.pii import PiiCipher, generate_key

_EXTENSION = "fundledger.pii"


def init_app(app: Flask) -> None:
    setting = key_setting(app.config, "PII_KEY", app.instance_path, generate_key)
    app.extensions[_EXTENSION] = PiiCipher.from_setting(setting)


def cipher() -> PiiCipher:
    return current_app.extensions[_EXTENSION]
