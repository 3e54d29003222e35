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
    integrity,
    journal,
    payments,
    periods,
    rates,
    reports,
    victims,
)

VIEWS = (
    auth,
    dashboard,
    cases,
    assets,
    victims,
    awards,
    cash,
    journal,
    accounts,
    payments,
    periods,
    rates,
    reports,
    integrity,
)
