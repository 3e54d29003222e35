"""Who may open the pages of victims and awards (the demo fund: victim 1, award 1).

The demo's awards were registered by the demo's own court, not by ``registry``:
that court is admitted to award pages by its role but meets another court's
award there, which answers 404 as if it did not exist.
"""

from tests.web.matrix import ADMIN_COURT, ADMIN_ONLY, EVERYONE, C, Expect, page

OTHER_COURTS_AWARD = {"award_id": 1}

PAGES = {
    "web.victims.index": page(EVERYONE),
    "web.victims.register": page(ADMIN_COURT),
    "web.victims.show": page(EVERYONE, victim_id=1),
    "web.victims.change": page(ADMIN_ONLY, victim_id=1),
    "web.awards.index": page(EVERYONE),
    "web.awards.register": page(ADMIN_COURT),
    "web.awards.show": Expect(EVERYONE, OTHER_COURTS_AWARD, out_of_scope=frozenset({C})),
    "web.awards.cancel": Expect(ADMIN_COURT, OTHER_COURTS_AWARD, out_of_scope=frozenset({C})),
    "web.awards.import_awards": page(ADMIN_COURT),
    "web.awards.import_template": page(ADMIN_COURT),
}
