"""Development keys: generated once into ``instance/``, so a newcomer needs to set nothing.

Each key's setting (``FUNDLEDGER_SECRET_KEY``, ``FUNDLEDGER_PII_KEY``,
``FUNDLEDGER_SIGNING_KEY``) is required in production; in development a missing one is
made here, kept mode 0600 in the instance folder, and (but for the session secret) a
warning names the file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger("fundledger")


def key_setting(
    settings: Mapping[str, str],
    name: str,
    instance_path: str,
    make: Callable[[], str],
    *,
    warn: bool = True,
) -> str:
    """The key ``settings[name]``; unset, production refuses to start (a generated key
    there would be a secret nobody keeps) and development uses :func:`development_key`.

    ``settings`` is the environment (``name`` ``FUNDLEDGER_SECRET_KEY``) or the app's
    config (``PII_KEY``, set from ``FUNDLEDGER_PII_KEY``): both say ``FUNDLEDGER_ENV``.
    The development key's file is the bare name in lower case (``instance/pii_key``).
    """
    setting = settings.get(name)
    if setting:
        return setting
    bare = name.removeprefix("FUNDLEDGER_")
    variable = f"FUNDLEDGER_{bare}"
    if settings.get("FUNDLEDGER_ENV") == "production":
        raise RuntimeError(f"{variable} must be set in production")
    return development_key(instance_path, bare.lower(), variable, make, warn=warn)


def development_key(
    instance_path: str, filename: str, setting: str, make: Callable[[], str], *, warn: bool = True
) -> str:
    """The key kept in ``instance_path/filename``, made with ``make()`` the first time."""
    path = Path(instance_path) / filename
    if path.exists():
        return path.read_text().strip()
    if warn:
        log.warning("%s is not set: generated a development key in %s", setting, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = make()
    path.write_text(key)
    path.chmod(0o600)
    return key
