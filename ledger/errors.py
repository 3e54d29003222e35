"""Domain errors.

Each kind maps to one HTTP status in the adapters (``app/errors.py``), so the
ledger can say *why* it refused without knowing who asked. Messages must never
carry a victim's personal data: they reach logs and API clients verbatim.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every refusal the domain core can raise."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class Invalid(LedgerError):
    """Input that can never be accepted as given (bad amount, unknown account…)."""

    status = 422
    title = "Invalid input"

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(f"{name}: {message}", {name: [message]})


class NotFound(LedgerError):
    status = 404
    title = "Not found"


class Conflict(LedgerError):
    """Valid input that clashes with the current state (duplicate, transition)."""

    status = 409
    title = "Conflict"


class Forbidden(LedgerError):
    status = 403
    title = "Forbidden"


class PeriodClosed(Conflict):
    """A posting dated in a month that has been closed."""

    title = "Period closed"


class Unbalanced(Invalid):
    """An entry whose postings do not sum to zero in functional units."""

    title = "Unbalanced entry"


class Overdraft(Invalid):
    """A posting would take a no-overdraft balance past zero."""

    title = "Insufficient balance"


class NoRate(Invalid):
    """No FX rate on or before the value date for a currency."""

    title = "No exchange rate"


class IdempotencyConflict(Invalid):
    """An idempotency key reused for a different request."""

    title = "Idempotency key reused"
