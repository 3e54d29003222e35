"""Seized assets: the register, a seizure, an asset's page, and the steps its state allows.

Forfeiting, selling and releasing are irreversible: each goes through a
confirmation page showing what will be posted (:mod:`app.web.steps`).
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app import db
from app.web.formatting import money
from app.web.forms import DayField, FilterForm, Form, MoneyField, any_or, options
from app.web.lists import ListFile, columns_of, show_list
from app.web.pages import done, render, submit
from app.web.sessions import current_actor, requires
from app.web.steps import take_on_record, with_entries
from ledger import access, assets, labels
from ledger.models.registers import ASSET_KINDS, ASSET_STATES
from ledger.preview import posted_by
from ledger.reads import choices, registers
from reports.statement import Column
from reports.statements.assets import ASSET_COLUMNS

bp = Blueprint("assets", __name__)


def _labelled(table: dict, codes) -> list[tuple[str, str]]:
    return [(code, _l(table[code])) for code in codes]


class AssetFilters(FilterForm):
    state = SelectField(
        _l("State"), default="", choices=any_or(_labelled(labels.ASSET_STATE, ASSET_STATES))
    )
    kind = SelectField(
        _l("Kind"), default="", choices=any_or(_labelled(labels.ASSET_KIND, ASSET_KINDS))
    )
    case_id = SelectField(_l("Case"), coerce=lambda v: int(v) if v else None, choices=[])

    def offer(self, session, actor) -> None:
        self.case_id.choices = any_or(choices.open_cases(session, actor))


class SeizeForm(Form):
    case_id = SelectField(_l("Case"), coerce=int, validate_choice=True)
    kind = SelectField(
        _l("Kind of asset"), choices=options(_labelled(labels.ASSET_KIND, ASSET_KINDS))
    )
    description = TextAreaField(
        _l("Description"), [InputRequired(_l("Describe the asset")), Length(max=500)]
    )
    seized_on = DayField(_l("Seized on"))
    estimated_value = MoneyField(_l("Estimated value"), allow_zero=True)


class ForfeitForm(Form):
    order_reference = StringField(
        _l("Forfeiture order"), [InputRequired(_l("Enter the order's reference")), Length(max=100)]
    )
    forfeited_on = DayField(_l("Forfeited on"))
    value = MoneyField(_l("Appraised value"), optional=True)


class LiquidateForm(Form):
    sold_on = DayField(_l("Sold on"))
    proceeds = MoneyField(_l("Sale proceeds"))
    selling_costs = MoneyField(_l("Selling costs"), optional=True, allow_zero=True)


class ReleaseForm(Form):
    released_on = DayField(_l("Released on"))
    reason = TextAreaField(
        _l("Why it is released"), [InputRequired(_l("Say why it is released")), Length(max=500)]
    )


#: The seized-asset register's columns, but for its state's date and the cash in escrow;
#: the list carries each asset at its value now.
COLUMNS = [
    *columns_of(
        ASSET_COLUMNS, "asset", "case", "kind", "description", "seized_on", "state", "estimated"
    ),
    Column("carrying", "Carried at", "money", width=1.2),
]


def _row(asset: registers.AssetRow) -> dict:
    return {
        "asset": asset.id,
        "case": asset.case_reference,
        "kind": labels.label(labels.ASSET_KIND, asset.kind),
        "description": asset.description,
        "seized_on": asset.seized_on,
        "state": labels.label(labels.ASSET_STATE, asset.state),
        "currency": asset.estimated_value.currency,
        "estimated": asset.estimated_value.minor,
        "carrying": asset.carrying_value.minor if asset.carrying_value else None,
    }


def _carried_total(rows: list[dict]) -> dict:
    return {"asset": "Total", "carrying": sum(r["carrying"] or 0 for r in rows)}


LIST_FILE = ListFile("seized-assets", "Seized assets", COLUMNS, _row, _carried_total)


@bp.route("/assets")
@requires(access.READ_REGISTERS)
def index():
    return show_list("assets/index.html", AssetFilters, registers.list_assets, LIST_FILE)


@bp.route("/assets/new", methods=["GET", "POST"])
@requires(access.MANAGE_ASSETS)
def seize():
    session, actor = db.session(), current_actor()
    form = SeizeForm(case_id=request.args.get("case_id", type=int))
    form.case_id.choices = options(choices.open_cases(session, actor))
    form.estimated_value.currencies = choices.currencies(session, actor)

    def act(form: SeizeForm):
        return posted_by(session, lambda: assets.seize_asset(session, actor=actor, **form.values()))

    def seized(result):
        asset, entries = result
        message = _("Asset %(id)d recorded as seized.", id=asset.id)
        return done(with_entries(message, entries), "web.assets.show", asset_id=asset.id)

    return submit("assets/new.html", form, act, seized)


@bp.route("/assets/<int:asset_id>")
@requires(access.READ_REGISTERS)
def show(asset_id: int):
    return render(
        "assets/show.html", asset=registers.get_asset(db.session(), current_actor(), asset_id)
    )


def _step(
    asset_id: int, form: type[Form], template: str, service, verb: str, heading: str, **extra
):
    """The confirmation step of one of the asset's state changes."""
    session, actor = db.session(), current_actor()
    asset = registers.get_asset(session, actor, asset_id)
    return take_on_record(
        service, {"asset_id": asset_id}, shown=("web.assets.show", {"asset_id": asset_id}),
        message=verb, currencies=choices.currencies(session, actor), context={"asset": asset},
        form=form, template=template, heading=heading, **extra,
    )  # fmt: skip


@bp.route("/assets/<int:asset_id>/forfeit", methods=["GET", "POST"])
@requires(access.MANAGE_ASSETS)
def forfeit(asset_id: int):
    return _step(
        asset_id, ForfeitForm, "assets/forfeit.html", assets.forfeit_asset,
        _("Asset %(id)d forfeited.", id=asset_id),
        _("Check the forfeiture before it is recorded"),
        button=lambda f: _("Forfeit asset %(id)d", id=asset_id)
        + (f" ({money(f.value.data)})" if f.value.data else ""),
    )  # fmt: skip


@bp.route("/assets/<int:asset_id>/liquidate", methods=["GET", "POST"])
@requires(access.MANAGE_ASSETS)
def liquidate(asset_id: int):
    return _step(
        asset_id, LiquidateForm, "assets/liquidate.html", assets.liquidate_asset,
        _("Sale of asset %(id)d recorded.", id=asset_id),
        _("Check the sale before it is recorded"),
        button=lambda f: _("Record the sale for %(amount)s", amount=money(f.proceeds.data)),
    )  # fmt: skip


@bp.route("/assets/<int:asset_id>/release", methods=["GET", "POST"])
@requires(access.MANAGE_ASSETS)
def release(asset_id: int):
    return _step(
        asset_id, ReleaseForm, "assets/release.html", assets.release_asset,
        _("Asset %(id)d released.", id=asset_id),
        _("Check the release before it is recorded"),
        button=lambda f: _("Release asset %(id)d", id=asset_id),
        warning=_("A released asset goes back to its owner. This cannot be undone."),
    )  # fmt: skip
