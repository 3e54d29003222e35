"""The application's key for victims' personal data.

``FUNDLEDGER_PII_KEY`` in production (the app refuses to start without it);
in development a key is generated once into ``instance/pii_key`` so that a
newcomer needs nothing, and a warning says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from ledger.pii import PiiCipher, generate_key

_EXTENSION = "fundledger.pii"
log = logging.getLogger("fundledger")


def init_app(app: Flask) -> None:
    setting = app.config.get("PII_KEY")
    if not setting:
        if app.config["FUNDLEDGER_ENV"] == "production":
            raise RuntimeError("FUNDLEDGER_PII_KEY must be set in production")
        setting = _development_key(app.instance_path)
    app.extensions[_EXTENSION] = PiiCipher.from_setting(setting)


def cipher() -> PiiCipher:
    return current_app.extensions[_EXTENSION]


def _development_key(instance_path: str) -> str:
    path = Path(instance_path) / "pii_key"
    if path.exists():
        return path.read_text().strip()
    log.warning("FUNDLEDGER_PII_KEY is not set: generated a development key in %s", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    path.write_text(key)
    path.chmod(0o600)
    return key
