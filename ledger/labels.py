"""What the registers' codes are called for people, defined once.

The database, the API and the journal speak codes (``partially_paid``,
``real_estate``, ``asset.forfeited``); statements and pages show these
labels. Strings are marked with :func:`N_` so that the web's translation
catalogue (Flask-Babel) extracts them; the core itself stays in English.
"""

from __future__ import annotations

from ledger import events
from ledger.access import ADMINISTRATOR, AUDITOR, COURT


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it here."""
    return text


AWARD_STATUS = {
    "registered": N_("Registered"),
    "partially_paid": N_("Partially paid"),
    "paid": N_("Paid"),
    "cancelled": N_("Cancelled"),
}
PAYMENT_STATUS = {
    "proposed": N_("Awaiting approval"),
    "approved": N_("Approved, awaiting execution"),
    "rejected": N_("Rejected"),
    "paid": N_("Paid"),
    "returned": N_("Returned undelivered"),
}
ASSET_STATE = {
    "seized": N_("Seized"),
    "forfeited": N_("Forfeited"),
    "liquidated": N_("Sold"),
    "released": N_("Released"),
}
ASSET_KIND = {
    "cash": N_("Cash"),
    "bank_account": N_("Bank account"),
    "vehicle": N_("Vehicle"),
    "real_estate": N_("Real estate"),
    "securities": N_("Securities"),
    "crypto": N_("Crypto-assets"),
    "other": N_("Other"),
}
PAYMENT_METHOD = {
    "bank_transfer": N_("Bank transfer"),
    "intermediary": N_("Through an intermediary"),
    "cash": N_("Cash"),
}
RECEIPT_KIND = {
    "donation": N_("Donation"),
    "grant": N_("Grant"),
    "interest": N_("Interest"),
    "escrow_interest": N_("Interest on seized cash in escrow"),
    "other": N_("Other income"),
}
EXPENSE_KIND = {
    "custody": N_("Custody costs"),
    "disposal": N_("Disposal costs"),
    "bank_charges": N_("Bank charges"),
    "administrative": N_("Administrative costs"),
    "other": N_("Other costs"),
}
ACCOUNT_TYPE = {
    "asset": N_("Asset"),
    "liability": N_("Liability"),
    "net_assets": N_("Net assets"),
    "revenue": N_("Revenue"),
    "expense": N_("Expense"),
}
ROLE = {
    ADMINISTRATOR: N_("Administrator"),
    COURT: N_("Court"),
    AUDITOR: N_("Auditor"),
}
EVENT = {
    events.ASSET_SEIZED: N_("Cash seized"),
    events.ASSET_FORFEITED: N_("Asset forfeited"),
    events.ASSET_LIQUIDATED: N_("Forfeited asset sold"),
    events.ASSET_RELEASED: N_("Seized cash released"),
    events.AWARD_REGISTERED: N_("Award ordered"),
    events.AWARD_CANCELLED: N_("Award cancelled or reduced"),
    events.PAYMENT_PAID: N_("Payment"),
    events.PAYMENT_RETURNED: N_("Payment returned undelivered"),
    events.RECEIPT_RECORDED: N_("Receipt"),
    events.EXPENSE_RECORDED: N_("Expense"),
    events.FX_REVALUED: N_("FX revaluation"),
    events.YEAR_CLOSED: N_("Year-end close"),
    events.MANUAL_ENTRY: N_("Manual entry"),
    events.ENTRY_REVERSED: N_("Reversal"),
}


def label(table: dict[str, str], code: str | None) -> str:
    """The label of ``code`` in ``table``; an unknown code is shown as it is."""
    if code is None:
        return ""
    return table.get(code, code)


def movement_memo(direction: str, kind: str, counterparty: str) -> str:
    """A receipt's or expense's journal memo: ``Receipt, interest on seized cash in escrow:
    Bank`` (its kind by label, never the code)."""
    table = RECEIPT_KIND if direction == "receipt" else EXPENSE_KIND
    text = label(table, kind)
    return f"{direction.capitalize()}, {text[:1].lower()}{text[1:]}: {counterparty}"
