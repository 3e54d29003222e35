"""Every area of the web pages, in the order their blueprints are registered."""

from __future__ import annotations

from app.web import (
    accounts,
    assets,
    auth,
    awards,
    cases,
    cash,
    dashboard,
    journal,
    payments,
    victims,
)

VIEWS = (auth, dashboard, cases, assets, victims, awards, cash, journal, accounts, payments)
