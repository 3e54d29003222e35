"""Who may open the pages of the web's foundation: sign-in, account, dashboard."""

from tests.web.matrix import ADMIN_AUDITOR, EVERYONE, PUBLIC, page

PAGES = {
    "web.auth.root": page(PUBLIC),
    "web.auth.sign_in": page(PUBLIC),
    "web.auth.sign_out": page(PUBLIC),
    "web.auth.setup": page(PUBLIC, secret="not-a-real-link"),
    "web.auth.account": page(EVERYONE),
    "web.auth.change_password": page(EVERYONE),
    "web.auth.create_token": page(EVERYONE),
    "web.auth.revoke_token": page(EVERYONE, token_id=1),
    "web.auth.confirm_password": page(EVERYONE),
    "web.dashboard.home": page(ADMIN_AUDITOR),
}
