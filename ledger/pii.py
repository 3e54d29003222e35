"""Encryption of victims' personal data at rest, with rotatable keys.

``FUNDLEDGER_PII_KEY`` holds one or more Fernet keys separated by commas,
newest first. The first encrypts; all decrypt, so a new key can be put in
front, :func:`rotate` re-encrypts every victim under it, and the old key is
then removed. Each row names the key that sealed it (a short fingerprint,
never the key).

Fernet (from ``cryptography``) is AES-128-CBC with an HMAC-SHA256: tampered
ciphertext is refused, not decrypted to garbage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import access, audit, events
from ledger.access import Actor
from ledger.errors import Conflict
from ledger.locks import lock_books


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:12]


@dataclass(frozen=True)
class PiiCipher:
    keys: tuple[str, ...]

    @classmethod
    def from_setting(cls, value: str) -> PiiCipher:
        keys = tuple(k.strip() for k in value.split(",") if k.strip())
        if not keys:
            raise ValueError("FUNDLEDGER_PII_KEY holds no key")
        for key in keys:
            try:
                Fernet(key)
            except (ValueError, TypeError):
                raise ValueError(
                    "FUNDLEDGER_PII_KEY must be Fernet keys (urlsafe base64 of 32 bytes), "
                    "comma-separated, newest first"
                ) from None
        return cls(keys)

    @property
    def current_key_id(self) -> str:
        return key_id(self.keys[0])

    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.keys])

    def seal(self, document: dict) -> tuple[bytes, str]:
        data = json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return self._fernet().encrypt(data), self.current_key_id

    def open(self, token: bytes) -> dict:
        try:
            return json.loads(self._fernet().decrypt(bytes(token)))
        except InvalidToken:
            raise Conflict(
                "a victim's personal data cannot be decrypted with the configured keys"
            ) from None

    def reseal(self, token: bytes) -> tuple[bytes, str]:
        try:
            return self._fernet().rotate(bytes(token)), self.current_key_id
        except InvalidToken:
            raise Conflict(
                "a victim's personal data cannot be decrypted with the configured keys"
            ) from None


def rotate(session: Session, actor: Actor, cipher: PiiCipher) -> int:
    """Re-encrypt every victim not yet under the newest key; return how many."""
    from ledger.models import Victim

    access.require(actor, access.MANAGE_VICTIMS)
    lock_books(session)
    count = 0
    for victim in session.scalars(select(Victim).where(Victim.pii_key_id != cipher.current_key_id)):
        victim.pii, victim.pii_key_id = cipher.reseal(victim.pii)
        count += 1
    session.flush()
    after = {"re_encrypted": count, "key": cipher.current_key_id}
    audit.record(session, actor, events.PII_ROTATED, "victims", after=after)
    return count
