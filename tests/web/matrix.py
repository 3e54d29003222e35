"""Who may open which web page: the expectations, area by area, from SPEC §5 and §7.

Each area's module ``tests/web/pages_<area>.py`` declares ``PAGES``: for every
endpoint of its blueprint, the roles that may use it and the URL arguments to
try it with on the demo fund. :mod:`tests.web.test_roles_pages` walks them all
and fails when an endpoint the app serves has no expectation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.access import ADMINISTRATOR, AUDITOR, COURT

A, C, U = ADMINISTRATOR, COURT, AUDITOR
EVERYONE = frozenset({A, C, U})
ADMIN_ONLY = frozenset({A})
ADMIN_AUDITOR = frozenset({A, U})
ADMIN_COURT = frozenset({A, C})
#: Pages anyone may open, signed in or not (sign-in, the set-up link).
PUBLIC = frozenset({"public"})

#: Who the walk signs in as, by role (people of tests.web.conftest.PEOPLE).
PERSON = {A: "alice", C: "registry", U: "inspector"}


@dataclass(frozen=True)
class Expect:
    roles: frozenset[str]
    #: URL arguments on the demo fund (ids of records the page needs).
    args: dict = field(default_factory=dict)
    #: Query string to add (a list's filters, a statement's choices).
    query: dict = field(default_factory=dict)
    #: Roles the page admits that still may not see this record (a court, and an award
    #: another court registered): they get 404, as if it did not exist.
    out_of_scope: frozenset[str] = frozenset()


def page(roles: frozenset[str], **args) -> Expect:
    return Expect(roles, args)
