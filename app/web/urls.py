"""Every area of the web pages, in the order their blueprints are registered."""

from __future__ import annotations

from app.web import assets, auth, cases, dashboard

VIEWS = (auth, dashboard, cases, assets)
