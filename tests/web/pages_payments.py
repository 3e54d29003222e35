"""Who may open the pages of payments and distribution rounds.

On the demo fund: payment 1 is paid, payment 5 awaits approval (proposed by the
demo's own administrator, so alice may approve it), award 1 has something left
to propose, and round 1 proposed payments 5 to 8. The demo's awards were
registered by the demo's own court, not by ``registry``: that court may open a
payment's page by its role but meets another court's payment there (404).
"""

from tests.web.matrix import ADMIN_AUDITOR, ADMIN_ONLY, EVERYONE, C, Expect, page

PAGES = {
    "web.payments.index": page(EVERYONE),
    "web.payments.show": Expect(EVERYONE, {"payment_id": 1}, out_of_scope=frozenset({C})),
    "web.payments.propose": Expect(ADMIN_ONLY, query={"award_id": 1}),
    "web.payments.approve": page(ADMIN_ONLY, payment_id=5),
    "web.payments.reject": page(ADMIN_ONLY, payment_id=5),
    "web.payments.execute": page(ADMIN_ONLY, payment_id=5),
    "web.payments.return": page(ADMIN_ONLY, payment_id=1),
    "web.payments.distribute": page(ADMIN_ONLY),
    "web.payments.distribution": page(ADMIN_AUDITOR, distribution_id=1),
}
