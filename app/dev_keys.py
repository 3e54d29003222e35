"""Development keys: generated once into ``instance/``, so a newcomer needs to set nothing.

Each key's setting (``FUNDLEDGER_PII_KEY``, ``FUNDLEDGER_SIGNING_KEY``) is required in
production; in development a missing one is made here, kept mode 0600 in the instance
folder, and a warning names the file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("fundledger")


def development_key(
    instance_path: str, filename: str, setting: str, make: Callable[[], str]
) -> str:
    """The key kept in ``instance_path/filename``, made with ``make()`` the first time."""
    path = Path(instance_path) / filename
    if path.exists():
        return path.read_text().strip()
    log.warning("%s is not set: generated a development key in %s", setting, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = make()
    path.write_text(key)
    path.chmod(0o600)
    return key
