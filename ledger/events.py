"""The names of what happens to the fund: journal events and audit-log actions.

A journal entry's ``event`` says which step posted it; the audit log's
``action`` says which step changed state (most steps do both, under the same
name). Statements, exports and verify read these names back, so they are
defined here once and nowhere spelled out again.
"""

from __future__ import annotations

# Steps that post to the journal (also recorded in the audit log).
ASSET_SEIZED = "asset.seized"
ASSET_FORFEITED = "asset.forfeited"
ASSET_LIQUIDATED = "asset.liquidated"
ASSET_RELEASED = "asset.released"
AWARD_REGISTERED = "award.registered"
AWARD_CANCELLED = "award.cancelled"
PAYMENT_PAID = "disbursement.paid"
PAYMENT_RETURNED = "disbursement.returned"
RECEIPT_RECORDED = "receipt.recorded"
EXPENSE_RECORDED = "expense.recorded"
FX_REVALUED = "fx.revalued"
YEAR_CLOSED = "year.closed"
MANUAL_ENTRY = "journal.adjusted"
ENTRY_REVERSED = "entry.reversed"

# Steps that change state without posting.
CASE_OPENED = "case.opened"
VICTIM_REGISTERED = "victim.registered"
VICTIM_CHANGED = "victim.changed"
PERSONAL_DATA_VIEWED = "victim.personal_data_viewed"
PAYMENT_PROPOSED = "disbursement.proposed"
PAYMENT_APPROVED = "disbursement.approved"
PAYMENT_REJECTED = "disbursement.rejected"
DISTRIBUTION_CREATED = "distribution.created"
PERIOD_CLOSED = "period.closed"
FX_RATES_IMPORTED = "fx_rates.imported"
ACCOUNT_ADDED = "account.added"
PII_ROTATED = "pii.rotated"
BOOKS_VERIFIED = "books.verified"
USER_CREATED = "user.created"
TOKEN_CREATED = "token.created"  # noqa: S105 (an event name, not a secret)
TOKEN_REVOKED = "token.revoked"  # noqa: S105
PASSWORD_CHANGED = "user.password_changed"  # noqa: S105
LOGGED_IN = "user.logged_in"
LOGIN_FAILED = "user.login_failed"
LOCKED_OUT = "user.locked_out"
LOGGED_OUT = "user.logged_out"

#: Journal events whose postings to 2000 are payments of an award (paid, or given back).
PAYMENT_EVENTS = frozenset({PAYMENT_PAID, PAYMENT_RETURNED})
