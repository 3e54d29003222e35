"""The core's read side: what the pages and the API list and show, the same way.

Each function takes a session, the :class:`~ledger.access.Actor` asking and
plain filters, applies the actor's scope (a court sees only its own awards
and their payments; personal data only for administrators, each view
audited), and returns plain rows with their derived figures (outstanding,
returned payments, functional values…). A list costs a fixed number of
queries whatever the page's length: no query per row.
"""
