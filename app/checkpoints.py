"""The fund's checkpoint signer: its key, its log, its command, attached to the database.

``FUNDLEDGER_SIGNING_KEY`` in production (the app refuses to start without it); in
development a key is generated once into ``instance/signing_key``, like the other keys,
and a warning says so. The checkpointer is attached to the main engine, so a month closed
through any door is checkpointed when it commits and ``verify`` checks the log
(:mod:`ledger.checkpoint_log`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from app import db
from app.dev_keys import key_setting
from ledger.checkpoint_log import Checkpointer, attach
from ledger.checkpoints import CheckpointError, generate_signing_key, load_signing_key

_EXTENSION = "fundledger.checkpoints"


def init_app(app: Flask) -> None:
    setting = key_setting(app.config, "SIGNING_KEY", app.instance_path, generate_signing_key)
    try:
        key = load_signing_key(setting)
    except CheckpointError as exc:
        raise RuntimeError(f"FUNDLEDGER_SIGNING_KEY: {exc}") from None
    log_path = app.config.get("CHECKPOINT_LOG")
    checkpointer = Checkpointer(
        key=key,
        log_path=Path(log_path) if log_path else None,
        command=app.config.get("CHECKPOINT_COMMAND") or None,
    )
    app.extensions[_EXTENSION] = checkpointer
    attach(db.engine_of(app), checkpointer)


def checkpointer() -> Checkpointer:
    return current_app.extensions[_EXTENSION]
