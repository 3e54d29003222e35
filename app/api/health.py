"""Liveness: answers without credentials and without touching the database."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness probe")


@blp.route("")
class Health(MethodView):
    @blp.doc(security=[])
    def get(self):
        """Is the service up?"""
        return {"status": "ok"}
