"""Signed checkpoints: the chains' heads anchored outside the database (SPEC §2.6).

The journal and the audit log are hash chains, so anyone who can rewrite the
database's tables (its owner, a superuser, a restored copy) can still rewrite a
tail and recompute every hash after it, or cut the tail off and re-head the
journal: the chain alone then verifies. A checkpoint closes that gap. It says
"entry N of the journal had hash H, event M of the audit log had hash G" at a
time, signed with an Ed25519 key that is kept outside the database
(``FUNDLEDGER_SIGNING_KEY``), and it is kept outside the database too (a
checkpoint log, a statement's file, a mail to the auditors). A chain that still
verifies and still has entry N with hash H extends the checkpoint, because each
hash covers the one before it; a truncated tail lacks entry N, a rewritten one
has another hash there.

This module holds what a checkpoint is, how it is signed and how the current
books are checked against one. Where checkpoints are written (month closes,
statements, ``fundledger checkpoint``, backups) is :mod:`ledger.checkpoint_log`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import AuditEvent, JournalEntry, JournalHead
from ledger.models.journal import GENESIS_HASH

#: What a checkpoint's JSON says it is (a reader refuses anything else).
KIND = "fundledger-checkpoint/1"
#: How many record numbers one query looks up when checking many checkpoints.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Heads:
    """Where the two chains end: entry count and head hash of the journal and of the audit
    log (an empty chain ends at 0 with the genesis hash)."""

    journal_entries: int
    journal_head: str
    audit_events: int
    audit_head: str


def read_heads(session: Session) -> Heads:
    """The heads as the session's transaction sees them. The journal's is its head row; the
    audit log's is its last event (events are numbered from 1 without gaps)."""
    head = session.get(JournalHead, 1)
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return Heads(
        journal_entries=head.last_number if head else 0,
        journal_head=head.last_hash if head else GENESIS_HASH,
        audit_events=last.id if last else 0,
        audit_head=last.hash if last else GENESIS_HASH,
    )


class CheckpointError(ValueError):
    """A text that is not a well-formed checkpoint, or a key that cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    journal_entries: int
    journal_head: str
    audit_events: int
    audit_head: str
    #: When it was taken, UTC, ``2026-12-03T14:05:09Z``.
    taken_at: str
    #: Why: ``period 2026-11 closed``, ``statement trial-balance as-of-2026-12-03``, …
    reason: str
    #: The signing key's fingerprint (:func:`key_id`), so a reader knows which key to use.
    key_id: str
    #: Ed25519 signature of :meth:`payload`, base64.
    signature: str

    @property
    def heads(self) -> Heads:
        return Heads(self.journal_entries, self.journal_head, self.audit_events, self.audit_head)

    def payload(self) -> bytes:
        """What is signed: every field but the signature, as canonical JSON."""
        fields = asdict(self)
        del fields["signature"]
        return _canonical({"kind": KIND, **fields})

    def as_json(self) -> dict:
        return {"kind": KIND, **asdict(self)}

    def line(self) -> str:
        """One line of a checkpoint log (compact JSON, no newline)."""
        return _canonical(self.as_json()).decode("utf-8")

    def token(self) -> str:
        """The JSON line in base64: ASCII only, for an HTTP header or a PDF's metadata."""
        return base64.b64encode(self.line().encode("utf-8")).decode("ascii")

    @classmethod
    def from_token(cls, token: str) -> Checkpoint:
        try:
            text = base64.b64decode(token, validate=True).decode("utf-8")
        except (ValueError, UnicodeError):
            raise CheckpointError("not a checkpoint token (base64 of its JSON line)") from None
        return cls.from_text(text)

    def describe(self) -> str:
        return f"checkpoint of {self.taken_at} ({self.reason})"

    @classmethod
    def from_json(cls, document: object) -> Checkpoint:
        if not isinstance(document, dict) or document.get("kind") != KIND:
            raise CheckpointError(f"not a checkpoint (kind is not {KIND!r})")
        values = {}
        for name, kind in _FIELDS.items():
            value = document.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise CheckpointError(f"{name} is missing or not a {kind.__name__}")
            values[name] = value
        for name in ("journal_head", "audit_head"):
            if len(values[name]) != 64 or not set(values[name]) <= set("0123456789abcdef"):
                raise CheckpointError(f"{name} is not a SHA-256 hash in hex")
        return cls(**values)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        try:
            document = json.loads(text)
        except ValueError:
            raise CheckpointError("not JSON") from None
        return cls.from_json(document)


_FIELDS = {
    "journal_entries": int,
    "journal_head": str,
    "audit_events": int,
    "audit_head": str,
    "taken_at": str,
    "reason": str,
    "key_id": str,
    "signature": str,
}


# -- keys ------------------------------------------------------------------------------------


def generate_signing_key() -> str:
    """A new private key, PEM (PKCS #8, unencrypted): for ``instance/`` in development."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_signing_key(text: str) -> Ed25519PrivateKey:
    """A private key from PEM, or from base64 of its 32 raw bytes (fits an environment
    variable on one line)."""
    key = _load(text, serialization.load_pem_private_key, Ed25519PrivateKey.from_private_bytes)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError("the signing key is not an Ed25519 key")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from PEM (what ``fundledger checkpoint --public-key`` prints), or from
    base64 of its 32 raw bytes."""
    key = _load(text, serialization.load_pem_public_key, Ed25519PublicKey.from_public_bytes)
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError("the public key is not an Ed25519 key")
    return key


def _load(text: str, from_pem, from_raw):
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            if from_pem is serialization.load_pem_private_key:
                return from_pem(text.encode("ascii"), password=None)
            return from_pem(text.encode("ascii"))
        return from_raw(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, UnicodeError) as exc:
        raise CheckpointError(f"the key cannot be read ({type(exc).__name__})") from None


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of its SHA-256."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# -- signing and checking ----------------------------------------------------------------------


def sign(
    key: Ed25519PrivateKey, heads: Heads, reason: str, taken_at: datetime | None = None
) -> Checkpoint:
    """A checkpoint of ``heads``, signed now (or at ``taken_at``)."""
    when = (taken_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    unsigned = Checkpoint(
        **asdict(heads),
        taken_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        reason=reason,
        key_id=key_id(key.public_key()),
        signature="",
    )
    signature = base64.b64encode(key.sign(unsigned.payload())).decode("ascii")
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def signature_problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> str | None:
    """Why ``checkpoint`` is not signed by ``public_key`` (None when it is)."""
    if checkpoint.key_id != key_id(public_key):
        return (
            f"{checkpoint.describe()}: signed by key {checkpoint.key_id}, "
            f"not by the fund's key {key_id(public_key)}"
        )
    try:
        public_key.verify(
            base64.b64decode(checkpoint.signature, validate=True), checkpoint.payload()
        )
    except (InvalidSignature, ValueError):
        return f"{checkpoint.describe()}: the signature does not match its contents (altered?)"
    return None


def extension_problems(session: Session, checkpoints: Sequence[Checkpoint]) -> list[str]:
    """For each checkpoint, whether the current chains still hold its heads: entry
    ``journal_entries`` with hash ``journal_head``, audit event ``audit_events`` with hash
    ``audit_head``. With the chains themselves verified (:func:`ledger.verify.verify_books`),
    that proves the current chains extend it."""
    journal = _hashes(
        session, JournalEntry.__table__, "number", {c.journal_entries for c in checkpoints}
    )
    audit = _hashes(session, AuditEvent.__table__, "id", {c.audit_events for c in checkpoints})
    problems = []
    for checkpoint in checkpoints:
        problems += _missing_or_changed(
            checkpoint,
            "journal entry",
            checkpoint.journal_entries,
            checkpoint.journal_head,
            journal,
        )
        problems += _missing_or_changed(
            checkpoint, "audit event", checkpoint.audit_events, checkpoint.audit_head, audit
        )
    return problems


def _hashes(session: Session, table, column: str, numbers: set[int]) -> dict[int, str]:
    ordered, found = sorted(numbers - {0}), {}
    key = table.c[column]
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        found.update(session.execute(select(key, table.c.hash).where(key.in_(chunk))).all())
    return found


def _missing_or_changed(
    checkpoint: Checkpoint, what: str, number: int, expected: str, found: dict[int, str]
) -> list[str]:
    if number == 0:
        if expected != GENESIS_HASH:
            return [f"{checkpoint.describe()}: an empty chain with a head other than genesis"]
        return []
    actual = found.get(number)
    if actual is None:
        return [
            f"{checkpoint.describe()}: {what} {number} is missing "
            "(the chain was cut short after the checkpoint)"
        ]
    if actual != expected:
        return [
            f"{checkpoint.describe()}: {what} {number} has hash {actual[:12]}…, the checkpoint "
            f"says {expected[:12]}… (the chain was rewritten after the checkpoint)"
        ]
    return []


def _canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
