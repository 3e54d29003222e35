"""An irreversible step, the way every page takes one (the MOJ "carry out an action" pattern).

1. GET: the form.
2. POST: the form is parsed; the step is *dry-run* in the core
   (:func:`ledger.preview.dry_run`), so a refusal appears beside its field
   now, and the confirmation page shows exactly the entry that will be
   posted, with a button named after the action and its amount.
3. POST from the confirmation page (with its one-time key): the step is taken
   for real, then POST-redirect-GET to its result, with a banner.

"Change" on the confirmation page brings the form back as it was filled in.
A view describes its step with a :class:`Step` and hands it to :func:`take`:
it parses and calls one service; every rule stays in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Response, request
from flask_babel import ngettext

from app import db
from app.web.forms import Form, MoneyField
from app.web.pages import done, refused, render
from app.web.sessions import current_actor
from ledger.errors import Conflict, LedgerError
from ledger.preview import dry_run, posted_by

STEP_FIELD = "_step"
CONFIRM, CHANGE = "confirm", "change"
#: Posted fields that belong to the page, not to the step's form.
NOT_CARRIED = frozenset({"csrf_token", "_once", STEP_FIELD})


@dataclass
class Step:
    #: The form's class; the view may adjust an instance in ``prepare``.
    form: type[Form]
    #: The template of the form page (it gets ``form`` and the view's context).
    template: str
    #: Calls the one service with the form's data; returns what was made or changed.
    act: Callable[[Form], object]
    #: The confirmation button, named after the action and its amount.
    button: Callable[[Form], str]
    #: Where to go once done (usually :func:`app.web.pages.done`).
    finished: Callable[[object], Response]
    #: The heading of the confirmation page ("Check the payment before it is made").
    heading: str
    prepare: Callable[[Form], None] | None = None
    #: The core's field names that differ from the form's (``{"amount.amount": "amount"}``).
    aliases: dict = field(default_factory=dict)
    #: A sentence under the heading of the confirmation page.
    explanation: str | None = None
    warning: str | None = None
    #: HTML under the explanation, from the parsed form: what else the step changes that no
    #: entry shows (the months a close closes). Called only once the dry run has passed.
    details: Callable[[Form], str] | None = None


def take(step: Step, **context) -> Response | tuple:
    form = step.form()
    if step.prepare is not None:
        step.prepare(form)
    stage = request.form.get(STEP_FIELD) if request.method == "POST" else None
    if request.method == "GET" or stage == CHANGE:
        return render(step.template, form=form, status=200, **context)
    if not form.validate():
        return render(step.template, form=form, **context)
    if stage != CONFIRM:
        try:
            entries = dry_run(db.session(), lambda: step.act(form))
        except LedgerError as exc:
            return refused(step.template, form, exc, step.aliases, **context)
        return render(
            "steps/confirm.html",
            form=form,
            status=200,
            step=step,
            entries=entries,
            button=step.button(form),
            details=step.details(form) if step.details is not None else None,
            carried=[(k, v) for k, v in request.form.items(multi=True) if k not in NOT_CARRIED],
            **context,
        )
    try:
        result = step.act(form)
    except LedgerError as exc:
        return refused(step.template, form, exc, step.aliases, **context)
    return step.finished(result)


def take_on_record(
    service: Callable,
    record: dict[str, int],
    *,
    shown: tuple[str, dict],
    message: str,
    currencies: list[str],
    context: dict,
    said_whole: frozenset[str] = frozenset(),
    **described,
) -> Response | tuple:
    """A step on one register record (an asset's forfeiture, a payment's approval…).

    ``service`` is called with the record's id (``record``: ``{"asset_id": 7}``) and the
    form's values; the form's amounts are in ``currencies``. Done, the record's page
    (``shown``: endpoint and its values) says ``message`` and the entries posted. A
    conflict naming only ``said_whole`` (the record's state, which no field of the form
    holds) is said whole, not beside a field. ``described``: the rest of the :class:`Step`.
    """
    session, actor = db.session(), current_actor()

    def prepare(form: Form) -> None:
        for field_ in form:
            if isinstance(field_, MoneyField):
                field_.currencies = currencies

    def act(form: Form):
        try:
            return posted_by(
                session, lambda: service(session, actor=actor, **record, **form.values())
            )
        except Conflict as exc:
            if said_whole and set(exc.errors) == said_whole:
                raise Conflict(exc.detail) from exc
            raise

    def finished(result):
        _record, entries = result
        endpoint, values = shown
        return done(with_entries(message, entries), endpoint, **values)

    return take(Step(act=act, finished=finished, prepare=prepare, **described), **context)


def with_entries(message: str, numbers: list[int]) -> str:
    """A banner and where to find what its step posted ("Asset 3 forfeited. Journal entry 45.")."""
    return f"{message} {entries_note(numbers)}".strip()


def entries_note(numbers: list[int]) -> str:
    """Where to find what a step posted: "Journal entry 45." (empty when it posted nothing)."""
    if not numbers:
        return ""
    listed = ", ".join(str(n) for n in numbers)
    return ngettext(
        "Journal entry %(list)s.", "Journal entries %(list)s.", len(numbers), list=listed
    )
