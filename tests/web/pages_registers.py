"""Who may open the pages of cases and seized assets (the demo fund: case 1, asset 3 seized)."""

from tests.web.matrix import ADMIN_ONLY, EVERYONE, page

PAGES = {
    "web.cases.index": page(EVERYONE),
    "web.cases.open_case": page(ADMIN_ONLY),
    "web.cases.show": page(EVERYONE, case_id=1),
    "web.assets.index": page(EVERYONE),
    "web.assets.seize": page(ADMIN_ONLY),
    "web.assets.show": page(EVERYONE, asset_id=3),
    "web.assets.forfeit": page(ADMIN_ONLY, asset_id=3),
    "web.assets.liquidate": page(ADMIN_ONLY, asset_id=3),
    "web.assets.release": page(ADMIN_ONLY, asset_id=3),
}
