"""Awards: amount, functional value, day and parties from the registration entry;
paid, cancelled, outstanding and status from the 2000 legs naming the award."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger import awards, events
from ledger.awards import status_of
from ledger.chart import AWARDS_PAYABLE
from ledger.models import Award
from ledger.verify_registers.books import Books
from ledger.verify_registers.findings import compare_snapshot, dated, first_actor, numbers, rows

#: Award fields a payment changes without an award event (they follow from the journal).
_AWARD_FIELDS_BY_PAYMENT = frozenset({"paid_minor", "status"})


def verify_awards(session: Session, books: Books, users: dict) -> list[str]:
    """Each award against its registration entry, the 2000 legs naming it and its events."""
    problems = []
    for award in rows(session, Award):
        what = f"award {award.id}"
        money = lambda minor, a=award: books.money(minor, a.currency)  # noqa: E731
        registered = books.sourced("award", award.id, events.AWARD_REGISTERED)
        if len(registered) != 1:
            problems.append(
                f"{what}: {len(registered)} registration entries ({numbers(registered)})"
            )
        for entry in registered[:1]:
            if -entry.original(AWARDS_PAYABLE) != award.amount_minor or entry.currencies(
                AWARDS_PAYABLE
            ) != {award.currency}:
                problems.append(
                    f"{what}: amount {money(award.amount_minor)} but its registration entry "
                    f"{entry.number} says {money(-entry.original(AWARDS_PAYABLE))} "
                    f"{'/'.join(sorted(entry.currencies(AWARDS_PAYABLE)))}"
                )
            if -entry.amount(AWARDS_PAYABLE) != award.functional_minor:
                problems.append(
                    f"{what}: functional value {books.money(award.functional_minor, None)} but "
                    f"its registration entry {entry.number} carries "
                    f"{books.money(-entry.amount(AWARDS_PAYABLE), None)}"
                )
            problems += dated(what, "ordered on", award.ordered_on, entry, "its registration entry")
            for dim in ("victim_id", "case_id"):
                if entry.named(dim) != {getattr(award, dim)}:
                    problems.append(
                        f"{what}: {dim} is not the one its registration entry {entry.number} names"
                    )
        legs = books.award_legs.get(award.id, [])
        paid_legs = [leg for leg in legs if leg[1] in events.PAYMENT_EVENTS]
        cancel_legs = [leg for leg in legs if leg[1] == events.AWARD_CANCELLED]
        paid = sum(leg[3] for leg in paid_legs)
        cancelled = sum(leg[3] for leg in cancel_legs)
        carried = -sum(leg[3] for leg in legs)
        if award.paid_minor != paid:
            problems.append(
                f"{what}: paid {money(award.paid_minor)} but its payment entries say "
                f"{money(paid)} ({numbers(leg[0] for leg in paid_legs)})"
            )
        if award.cancelled_minor != cancelled:
            problems.append(
                f"{what}: cancelled {money(award.cancelled_minor)} but its cancellation entries "
                f"say {money(cancelled)} ({numbers(leg[0] for leg in cancel_legs)})"
            )
        outstanding = award.amount_minor - award.paid_minor - award.cancelled_minor
        if outstanding != carried:
            problems.append(
                f"{what}: outstanding {money(outstanding)} but account {AWARDS_PAYABLE} carries "
                f"{money(carried)} for it ({numbers(leg[0] for leg in legs)})"
            )
        expected = status_of(paid, award.amount_minor - paid - cancelled)
        if award.status != expected:
            problems.append(
                f"{what}: status {award.status} but its entries make it {expected} "
                f"({numbers(leg[0] for leg in legs)})"
            )
        subject = ("award", str(award.id))
        problems += compare_snapshot(
            books, what, subject, award, awards.FIELDS, skip=_AWARD_FIELDS_BY_PAYMENT
        )
        problems += first_actor(books, what, subject, "registered_by", award.registered_by)
        user = users.get(award.registered_by)
        court = user[0] if user is not None and user[1] == "court" else None
        if award.court_user_id != court:
            problems.append(f"{what}: court_user_id is not the court that registered it")
    return problems
