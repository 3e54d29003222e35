"""fundledger's domain core: money, the journal and the fund's registers.

Nothing here knows about Flask or HTTP. Services are plain functions that take
a SQLAlchemy ``Session`` and domain values, do one business step inside the
caller's transaction and raise :mod:`ledger.errors` on refusal.
"""
