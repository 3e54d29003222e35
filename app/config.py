"""Settings from ``FUNDLEDGER_*`` environment variables.

| variable | default |
|---|---|
| FUNDLEDGER_DATABASE_URL | ``sqlite:///<instance>/fundledger.db`` |
| FUNDLEDGER_REPORTS_DATABASE_URL | the main database (a read replica for heavy reports) |
| FUNDLEDGER_REPLICA_MAX_WAIT_SECONDS | ``5``: how long a statement waits for the reports replica |
|  | to replay what the primary has committed, before it reads the primary (0: no wait) |
| FUNDLEDGER_SECRET_KEY | a random key kept in ``<instance>/secret_key`` (development only) |
| FUNDLEDGER_CURRENCY | ``EUR`` (the functional currency, fixed at ``init``) |
| FUNDLEDGER_FUND_NAME | ``Victims' Compensation Fund`` |
| FUNDLEDGER_LOCALE | ``en_GB`` (formatting of amounts and dates for people) |
| FUNDLEDGER_FISCAL_YEAR_START | ``1`` (January): the first month of the reporting year (1-12) |
| FUNDLEDGER_PII_KEY | Fernet key(s), newest first, sealing victims' personal data |
|  | (development: a key is generated into ``<instance>/pii_key``) |
| FUNDLEDGER_SIGNING_KEY | Ed25519 private key (PEM, or base64 of 32 bytes): signs checkpoints |
|  | (development: a key is generated into ``<instance>/signing_key``) |
| FUNDLEDGER_CHECKPOINT_LOG | ``<instance>/checkpoints.jsonl``: the append-only checkpoint log |
|  | (keep it, or a copy, off the database's machine: docs/checkpoints-and-backups.md) |
| FUNDLEDGER_CHECKPOINT_COMMAND | none: a command each checkpoint line is piped to (e.g. mail) |
| FUNDLEDGER_ENV | ``development``; ``production`` refuses generated secrets and keys |
| FUNDLEDGER_MAX_JSON_BYTES | ``1048576`` (1 MiB): a larger JSON body is refused with 413 |
| FUNDLEDGER_MAX_UPLOAD_BYTES | ``10485760`` (10 MiB): a larger upload is refused with 413 |
| FUNDLEDGER_SESSION_IDLE_MINUTES | ``30``: a web session ends after this long idle, and |
|  | approving or executing a payment asks for the password again after it |
| FUNDLEDGER_SESSION_MAX_HOURS | ``12``: a web session ends this long after signing in |
| FUNDLEDGER_LOGIN_MAX_FAILURES | ``5``: failed sign-ins in a row that lock an account |
| FUNDLEDGER_LOGIN_LOCKOUT_MINUTES | ``15``: how long a locked account stays locked |
| FUNDLEDGER_PROXIES | ``0``: how many proxies in front set ``X-Forwarded-*`` (ProxyFix) |
| FUNDLEDGER_PUBLIC_URL | ``http://127.0.0.1:5000``: the address people open (set-up link) |
| FUNDLEDGER_LOGIN_RATE_LIMIT | ``20 per minute``: sign-in attempts per client address, per worker |
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from app.dev_keys import key_setting

DEFAULT_FUND_NAME = "Victims' Compensation Fund"


def settings_from_env(instance_path: str, environ: Mapping[str, str] = os.environ) -> dict:
    env = environ.get("FUNDLEDGER_ENV", "development")
    if env not in ("development", "production"):
        raise RuntimeError("FUNDLEDGER_ENV must be development or production")
    database_url = environ.get("FUNDLEDGER_DATABASE_URL") or (
        f"sqlite:///{Path(instance_path) / 'fundledger.db'}"
    )
    # A per-checkout random key in development, so that sessions survive restarts.
    secret_key = key_setting(
        environ, "FUNDLEDGER_SECRET_KEY", instance_path, lambda: secrets.token_hex(32), warn=False
    )
    return {
        "FUNDLEDGER_ENV": env,
        "DATABASE_URL": database_url,
        "REPORTS_DATABASE_URL": environ.get("FUNDLEDGER_REPORTS_DATABASE_URL") or database_url,
        "REPLICA_MAX_WAIT_SECONDS": _count(
            environ, "FUNDLEDGER_REPLICA_MAX_WAIT_SECONDS", 5, least=0
        ),
        "SECRET_KEY": secret_key,
        "FUNCTIONAL_CURRENCY": environ.get("FUNDLEDGER_CURRENCY", "EUR"),
        "FUND_NAME": environ.get("FUNDLEDGER_FUND_NAME", DEFAULT_FUND_NAME),
        "LOCALE": environ.get("FUNDLEDGER_LOCALE", "en_GB"),
        "FISCAL_YEAR_START": _month(environ, "FUNDLEDGER_FISCAL_YEAR_START", 1),
        "PII_KEY": environ.get("FUNDLEDGER_PII_KEY", ""),
        "SIGNING_KEY": environ.get("FUNDLEDGER_SIGNING_KEY", ""),
        "CHECKPOINT_LOG": environ.get("FUNDLEDGER_CHECKPOINT_LOG")
        or str(Path(instance_path) / "checkpoints.jsonl"),
        "CHECKPOINT_COMMAND": environ.get("FUNDLEDGER_CHECKPOINT_COMMAND", ""),
        "MAX_JSON_BYTES": _size(environ, "FUNDLEDGER_MAX_JSON_BYTES", 1024 * 1024),
        "MAX_UPLOAD_BYTES": _size(environ, "FUNDLEDGER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        "SESSION_IDLE": timedelta(minutes=_count(environ, "FUNDLEDGER_SESSION_IDLE_MINUTES", 30)),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=_count(environ, "FUNDLEDGER_SESSION_MAX_HOURS", 12)
        ),
        "LOGIN_MAX_FAILURES": _count(environ, "FUNDLEDGER_LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT": timedelta(minutes=_count(environ, "FUNDLEDGER_LOGIN_LOCKOUT_MINUTES", 15)),
        "LOGIN_RATE_LIMIT": environ.get("FUNDLEDGER_LOGIN_RATE_LIMIT", "20 per minute"),
        "PUBLIC_URL": environ.get("FUNDLEDGER_PUBLIC_URL", "http://127.0.0.1:5000"),
        "PROXIES": _count(environ, "FUNDLEDGER_PROXIES", 0, least=0),
        # Session cookies: never readable by scripts, not sent on cross-site POSTs, and
        # only over HTTPS in production (behind a TLS-terminating proxy: docs/operations.md).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
    }


def _count(environ: Mapping[str, str], name: str, default: int, least: int = 1) -> int:
    return _whole(environ, name, default, least, 100_000, f"a whole number from {least} to 100000")


def _month(environ: Mapping[str, str], name: str, default: int) -> int:
    return _whole(environ, name, default, 1, 12, "a month number from 1 (January) to 12")


def _size(environ: Mapping[str, str], name: str, default: int) -> int:
    return _whole(environ, name, default, 1024, math.inf, "a number of bytes, at least 1024")


def _whole(
    environ: Mapping[str, str], name: str, default: int, least: int, most: float, says: str
) -> int:
    """The whole number set in ``name`` (``default`` if unset), from ``least`` to ``most``;
    anything else stops the app with "``name`` must be ``says``"."""
    text = environ.get(name)
    if not text:
        return default
    if not text.isdigit() or not least <= int(text) <= most:
        raise RuntimeError(f"{name} must be {says}")
    return int(text)
