"""Domain errors: a kind, a sentence, and the fields they are about.

The core says *why* it refused and *which field* is wrong; it knows nothing
of HTTP. Each door maps the kind to its own answer (``app/errors.py``: a
problem+json status for the API, a message beside the field on a web form,
an exit status at the command line). Messages must never carry a victim's
personal data: they reach logs, API clients and pages verbatim.
"""

from __future__ import annotations

#: The kinds of refusal, each answered the same way by every door.
INVALID, NOT_FOUND, CONFLICT, FORBIDDEN = "invalid", "not_found", "conflict", "forbidden"


class LedgerError(Exception):
    """Base of every refusal the domain core can raise."""

    kind = INVALID
    title = "Invalid input"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}

    def on_field(self, name: str) -> LedgerError:
        """The same refusal, its messages said of ``name`` (a request's own date field…)."""
        messages = [m for ms in self.errors.values() for m in ms] or [self.detail]
        clone = type(self)(self.detail, {name: messages})
        clone.__cause__ = self.__cause__
        return clone


class Invalid(LedgerError):
    """Input that can never be accepted as given (bad amount, unknown account…)."""

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(f"{name}: {message}", {name: [message]})


class NotFound(LedgerError):
    kind = NOT_FOUND
    title = "Not found"


class Conflict(LedgerError):
    """Valid input that clashes with the current state (duplicate, transition)."""

    kind = CONFLICT
    title = "Conflict"


class Forbidden(LedgerError):
    kind = FORBIDDEN
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
