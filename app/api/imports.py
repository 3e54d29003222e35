"""Spreadsheet imports over the API (``POST /awards/import``)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("imports", __name__, url_prefix="/awards/import", description="Imports")
