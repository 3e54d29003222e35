"""Liveness: answers without credentials and without touching the database."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness probe")


class HealthOut(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthOut)
    def get(self):
        """Is the service up?"""
        return {"status": "ok"}
