"""Journal exports for auditors' own tools, as downloads."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("exports", __name__, url_prefix="/exports", description="Journal exports")
