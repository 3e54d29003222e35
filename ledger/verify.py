"""Recompute everything the books claim, naming the first entry that is wrong.

:func:`verify_books` is the one check every door runs (``fundledger verify``,
``GET /audit/verify``, the web's integrity page): the journal, the audit log, and
every register row against the entries and audit events that moved it
(:mod:`ledger.verify_registers`).

Journal checks, in one streamed pass over the entries in number order
(:mod:`ledger.verify_stream`): numbering without gaps from 1, the previous-hash
link, each entry's hash, at least two postings, a zero sum. Then the stored running
balances (accounts and award subledgers), the month-end snapshots
(:mod:`ledger.verify_snapshots`) and the head row against the postings. From a
signed checkpoint, the chain is read from the checkpoint's entry on only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import access
from ledger.access import Actor
from ledger.audit import verify_audit_log
from ledger.checkpoint_log import checkpointer_for, read_checkpoints
from ledger.checkpoints import Checkpoint, extension_problems, signature_problem
from ledger.models import (
    Account,
    AccountBalance,
    JournalEntry,
    JournalHead,
    Posting,
    SubledgerBalance,
)
from ledger.models.base import summed
from ledger.models.journal import GENESIS_HASH
from ledger.verify_registers import verify_registers
from ledger.verify_snapshots import verify_snapshots
from ledger.verify_stream import Tally, verify_chain


@dataclass
class VerifyResult:
    entries: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)
    #: How many signed checkpoints the chains were checked against.
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_hash": self.head_hash,
            "checkpoints": self.checkpoints,
            "problems": self.problems,
        }


def verify_books(
    session: Session,
    actor: Actor,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    checkpoint_files: Sequence[Path] = (),
    public_key: Ed25519PublicKey | None = None,
    incremental: bool = False,
) -> VerifyResult:
    """The journal's chain, sums, numbering and balances, the audit log's chain, then the
    registers against both; then that the chains still extend every signed checkpoint given,
    or read from ``checkpoint_files`` (logs, or folders of them), each signature checked with
    ``public_key``: that catches a tail rewritten or cut off by someone who could bypass the
    database's triggers. The fund's own checkpoint log, and its own key when none is given,
    come from the checkpointer the adapter attached (:mod:`ledger.checkpoint_log`), so every
    door checks them.

    ``incremental``: the journal's chain is rehashed only after the last signed checkpoint
    (:func:`verify_journal` ``since``), everything else in full; a full verify, the
    default, rehashes every row."""
    access.require(actor, access.READ_BOOKS)
    own = checkpointer_for(session)
    if own is not None:
        public_key = public_key or own.key.public_key()
        if own.log_path is not None and own.log_path.exists():
            checkpoint_files = [own.log_path, *checkpoint_files]
    given, unreadable = list(checkpoints), []
    for path in checkpoint_files:
        logged, faults = read_checkpoints(path)
        given += logged
        unreadable += faults
    since = last_signed_checkpoint(given, public_key) if incremental and public_key else None
    result = verify_journal(session, since=since)
    result.problems.extend(verify_audit_log(session))
    result.problems.extend(verify_registers(session))
    result.problems.extend(unreadable)
    if given:
        result.checkpoints = len(given)
        result.problems.extend(verify_against_checkpoints(session, given, public_key))
    return result


def verify_against_checkpoints(
    session: Session, checkpoints: Sequence[Checkpoint], public_key: Ed25519PublicKey | None
) -> list[str]:
    """A problem for each checkpoint not signed by ``public_key`` (none given: every one is
    refused, a checkpoint nobody can check proves nothing), then for each signed one the
    current chains do not hold."""
    signed, problems = [], []
    for checkpoint in checkpoints:
        problem = (
            f"{checkpoint.describe()}: no public key to check its signature with"
            if public_key is None
            else signature_problem(checkpoint, public_key)
        )
        if problem:
            problems.append(problem)
        else:
            signed.append(checkpoint)
    return problems + extension_problems(session, signed)


def verify_journal(session: Session, since: Checkpoint | None = None) -> VerifyResult:
    """The chain, numbering and sums of the entries, the stored balances, the month-end
    snapshots and the head row against the postings.

    ``since``, a checkpoint whose signature the caller has checked
    (:func:`last_signed_checkpoint`): the chain is checked from its entry on, which must
    still have the checkpoint's hash (each hash covers the one before it, so the entries
    up to it are what was signed); the balances and snapshots are still checked in full.
    A checkpoint the journal no longer extends is named, and the whole chain is checked.
    What it trusts: that the rows up to the checkpoint were verified when it was signed and
    have not been changed in place since (the append-only triggers refuse that; an owner
    bypassing them is found by a full verify, which rehashes every row)."""
    result = VerifyResult()
    codes = dict(session.execute(select(Account.id, Account.code)).all())
    after = 0
    if since is not None and since.journal_entries:
        stored = session.scalar(
            select(JournalEntry.hash).where(JournalEntry.number == since.journal_entries)
        )
        if stored == since.journal_head:
            after = result.entries = since.journal_entries
            result.head_hash = stored
        else:
            what = "is missing" if stored is None else "has another hash"
            result.problems.append(
                f"{since.describe()}: entry {since.journal_entries} {what}; "
                "the whole chain was checked instead"
            )
    # A full pass tallies the postings as it hashes them: the balance and snapshot checks
    # then need no second pass over the postings (unless some posting has no entry).
    tally = None
    if after == 0:
        award_accounts = session.scalars(
            select(Account.id).where(Account.overdraft_scope == "award")
        )
        tally = Tally(set(award_accounts))
    verify_chain(session, codes, result, after, tally=tally)
    if tally is not None and tally.postings != session.scalar(
        select(func.count()).select_from(Posting)
    ):
        tally = None
    _verify_balances(session, codes, result, tally)
    result.problems.extend(
        verify_snapshots(session, codes, tally.movements() if tally is not None else None)
    )
    _verify_head(session, result)
    return result


def last_signed_checkpoint(
    checkpoints: Sequence[Checkpoint], public_key: Ed25519PublicKey
) -> Checkpoint | None:
    """The checkpoint furthest along the journal whose signature ``public_key`` accepts:
    where an incremental :func:`verify_journal` may start."""
    signed = [c for c in checkpoints if signature_problem(c, public_key) is None]
    return max(signed, key=lambda c: c.journal_entries, default=None)


def _verify_balances(
    session: Session, codes: dict[int, str], result: VerifyResult, tally: Tally | None = None
) -> None:
    """The stored running balances against the postings' sums: those the chain's pass
    tallied (``tally``, a full verify), or SQL aggregates (an incremental one)."""
    if tally is not None:
        sums, award_sums, award_currencies = tally.balance_sums()
    else:
        sums, award_sums, award_currencies = _summed_postings(session)
    _compare_accounts(session, codes, result, sums)
    _compare_subledgers(session, codes, result, award_sums, award_currencies)


def _summed_postings(session: Session):
    sums = {
        account_id: (int(total), int(original), int(count))
        for account_id, total, original, count in session.execute(
            select(
                Posting.account_id,
                summed(Posting.amount),
                summed(Posting.original_amount),
                func.count(),
            ).group_by(Posting.account_id)
        )
    }
    award_sums: dict[tuple[int, int | None], tuple[int, int]] = {}
    award_currencies: dict[tuple[int, int | None], set[str]] = {}
    for account_id, award_id, currency, total, original in session.execute(
        select(
            Posting.account_id,
            Posting.award_id,
            Posting.currency,
            summed(Posting.amount),
            summed(Posting.original_amount),
        )
        .join(Account, Account.id == Posting.account_id)
        .where(Account.overdraft_scope == "award")
        .group_by(Posting.account_id, Posting.award_id, Posting.currency)
    ):
        key = (account_id, award_id)
        before = award_sums.get(key, (0, 0))
        award_sums[key] = (before[0] + int(total), before[1] + int(original))
        award_currencies.setdefault(key, set()).add(currency)
    return sums, award_sums, award_currencies


def _compare_accounts(session: Session, codes, result: VerifyResult, sums: dict) -> None:
    currencies = dict(session.execute(select(Account.id, Account.currency)).all())
    unbalanced = set(sums)
    for account_id, stored, stored_original, stored_count in session.execute(
        select(
            AccountBalance.account_id,
            AccountBalance.balance,
            AccountBalance.original_balance,
            AccountBalance.postings,
        )
    ):
        if account_id not in codes:
            result.problems.append(f"account id {account_id}: a stored balance without an account")
            continue
        unbalanced.discard(account_id)
        currency = currencies[account_id]
        actual, actual_original, count = sums.get(account_id, (0, 0, 0))
        if currency is None:
            actual_original = 0  # multi-currency accounts keep no original-currency total
        if (stored, stored_original) != (actual, actual_original):
            result.problems.append(
                f"account {codes.get(account_id)}: stored balance {stored} "
                f"({stored_original} {currency or 'mixed'}) but its postings sum to {actual} "
                f"({actual_original} {currency or 'mixed'})"
            )
        if stored_count != count:
            result.problems.append(
                f"account {codes.get(account_id)}: stored posting count {stored_count} "
                f"but it has {count} postings"
            )
    for account_id in sorted(unbalanced):
        result.problems.append(
            f"account {codes.get(account_id, account_id)}: postings without a stored balance"
        )


def _compare_subledgers(
    session: Session, codes, result: VerifyResult, award_sums: dict, award_currencies: dict
) -> None:
    award_sums = dict(award_sums)
    # Core rows, not ORM objects: one per award, and nothing to track.
    for row in session.execute(
        select(
            SubledgerBalance.account_id,
            SubledgerBalance.award_id,
            SubledgerBalance.currency,
            SubledgerBalance.balance,
            SubledgerBalance.original_balance,
        )
    ):
        currencies = award_currencies.get((row.account_id, row.award_id), set())
        if currencies and currencies != {row.currency}:
            result.problems.append(
                f"account {codes.get(row.account_id)}, award {row.award_id}: stored in "
                f"{row.currency} but its postings are in {', '.join(sorted(currencies))}"
            )
        actual = award_sums.pop((row.account_id, row.award_id), (0, 0))
        if (row.balance, row.original_balance) != actual:
            result.problems.append(
                f"account {codes.get(row.account_id)}, award {row.award_id}: stored balance "
                f"{row.balance} ({row.original_balance} {row.currency}) "
                f"but its postings sum to {actual[0]} ({actual[1]} {row.currency})"
            )
    for account_id, award_id in sorted(award_sums, key=lambda k: (k[0], k[1] or 0)):
        result.problems.append(
            f"account {codes.get(account_id)}, award {award_id}: postings without a stored balance"
        )


def _verify_head(session: Session, result: VerifyResult) -> None:
    head = session.get(JournalHead, 1)
    if head is None:
        result.problems.append("journal head is missing: the database is not initialised")
        return
    if head.last_number != result.entries or head.last_hash != result.head_hash:
        result.problems.append(
            f"journal head says entry {head.last_number} is last, "
            f"but the chain ends at entry {result.entries}"
        )
