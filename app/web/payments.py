"""Payments of awards and distribution rounds: the queue, a payment's page, and its steps.

- Propose (from an award's page): nothing is posted; the proposal reserves the
  functional estimate of its amount from the fund's free cash.
- Approve or reject: another administrator's (four eyes: the core refuses the
  proposer, and the pages never offer it to them). Approving asks for the
  password again when the sign-in is old (:func:`~app.web.sessions.recent_sign_in`).
- Execute and return: confirmation pages showing the entry the core's dry run
  posts (the FX difference and the fee of a payment, the reversal of a return).
- A distribution round: every line of the plan the round is made from
  (:func:`ledger.distributions.plan_distribution`) before it is confirmed, then
  the proposals it created.

Each irreversible step goes through :func:`app.web.steps.take` with a one-time key,
so a double click, a reload or the back button never acts twice.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app import db
from app.web.formatting import money
from app.web.forms import options
from app.web.lists import ListFile, show_list
from app.web.pages import done, render, submit
from app.web.payment_forms import (
    ApproveForm,
    ExecuteForm,
    PaymentFilters,
    ProposeForm,
    RejectForm,
    ReturnForm,
    RoundForm,
)
from app.web.sessions import current_actor, recent_sign_in, requires
from app.web.steps import CONFIRM, STEP_FIELD, Step, take, take_on_record
from ledger import access, disbursements, distributions, labels
from ledger.money import Money
from ledger.reads.awards import PaymentRow
from ledger.reads.payment_pages import (
    PaymentPage,
    payment_page,
    payment_queue,
    proposal_page,
    round_choices,
    round_page,
)
from ledger.validate import today_utc
from reports.statement import Column

bp = Blueprint("payments", __name__)
#: Where a proposal starts: an award's page, found in the awards register.
AWARDS = "web.awards.index"


COLUMNS = [
    Column("id", "Payment", "int", width=0.6),
    Column("award", "Award", "int", width=0.5),
    Column("case", "Case", width=1.05),
    Column("victim", "Victim", width=0.8),
    Column("currency", "Currency", width=0.6),
    Column("amount", "Amount", "money_in", currency_key="currency", width=1.3),
    Column("reserved", "Cash reserved", "money", width=1.05),
    Column("status", "State", width=1.5),
    Column("method", "Method", width=1.1),
    Column("proposed_by", "Proposed by", width=0.9),
    Column("approved_by", "Approved by", width=0.9),
    Column("paid_on", "Paid on", "date", width=0.85),
    Column("bank_reference", "Bank reference", width=1.1),
    Column("debited", "Debited", "money", width=1.05),
    Column("fee", "Fee", "money", width=0.7),
    Column("round", "Round", "int", width=0.5),
]


def _row(payment: PaymentRow) -> dict:
    pending = payment.status in ("proposed", "approved")
    return {
        "id": payment.id,
        "award": payment.award_id,
        "case": payment.case_reference,
        "victim": payment.victim,
        "currency": payment.amount.currency,
        "amount": payment.amount.minor,
        "reserved": payment.estimate.minor if pending else None,
        "status": labels.label(labels.PAYMENT_STATUS, payment.status),
        "method": labels.label(labels.PAYMENT_METHOD, payment.method),
        "proposed_by": payment.proposed_by,
        "approved_by": payment.approved_by,
        "paid_on": payment.paid_on,
        "bank_reference": payment.bank_reference,
        "debited": payment.debited.minor if payment.debited else None,
        "fee": payment.fee.minor if payment.fee else None,
        "round": payment.distribution_id,
    }


def _totals(rows: list[dict]) -> dict:
    """The file's totals: the functional columns; the amounts when they share one currency."""
    totals = {
        "id": "Total",
        "reserved": sum(r["reserved"] or 0 for r in rows),
        "debited": sum(r["debited"] or 0 for r in rows),
        "fee": sum(r["fee"] or 0 for r in rows),
    }
    currencies = {r["currency"] for r in rows}
    if len(currencies) == 1:
        totals.update(currency=currencies.pop(), amount=sum(r["amount"] for r in rows))
    return totals


LIST_FILE = ListFile("payments", "Payments", COLUMNS, _row, _totals)


@bp.route("/payments")
@requires(access.READ_REGISTERS)
def index():
    return show_list("payments/index.html", PaymentFilters, payment_queue, LIST_FILE)


@bp.route("/payments/<int:payment_id>")
@requires(access.READ_REGISTERS)
def show(payment_id: int):
    return render(
        "payments/show.html", view=payment_page(db.session(), current_actor(), payment_id)
    )


@bp.route("/payments/new", methods=["GET", "POST"])
@requires(access.MANAGE_PAYMENTS)
def propose():
    award_id = request.args.get("award_id", type=int)
    if award_id is None:
        flash(_("Choose the award to pay, then “Propose a payment” on its page."), "info")
        return redirect(url_for(AWARDS if AWARDS in current_app.view_functions else ".index"))
    session, actor = db.session(), current_actor()
    view = proposal_page(session, actor, award_id)
    award = view.award
    form = ProposeForm(amount=award.proposable, method=award.payment_method)
    form.amount.currencies = [award.amount.currency]

    def act(form: ProposeForm):
        return disbursements.propose_disbursement(
            session, actor=actor, award_id=award.id, on=today_utc(), **form.values()
        )

    def proposed(payment):
        message = _(
            "Payment %(id)d proposed: %(amount)s to %(victim)s, reserving %(reserved)s of the "
            "fund's cash. Another administrator must approve it.",
            id=payment.id,
            amount=money(Money(payment.amount_minor, payment.currency)),
            victim=award.victim,
            reserved=money(Money(payment.estimate_minor, view.free_cash.currency)),
        )
        return done(message, "web.payments.show", payment_id=payment.id)

    return submit("payments/propose.html", form, act, proposed, view=view)


def _payment_step(view: PaymentPage, template: str, service, form, verb: str, **step):
    """One of a payment's steps; done, its page again with a banner naming the step and the
    entries it posted. A refusal of the payment's state ("already approved") is said whole."""
    return take_on_record(
        service,
        {"disbursement_id": view.payment.id},
        shown=("web.payments.show", {"payment_id": view.payment.id}),
        message=verb,
        currencies=[view.payment.estimate.currency],
        context={"view": view},
        said_whole=frozenset({"status"}),
        form=form,
        template=template,
        **step,
    )


def _view(payment_id: int) -> tuple[PaymentPage, dict]:
    """The payment, and the words its buttons are named with ("EUR 1,250.00", "V-000123")."""
    view = payment_page(db.session(), current_actor(), payment_id)
    return view, {"amount": money(view.payment.amount), "victim": view.payment.victim}


@bp.route("/payments/<int:payment_id>/approve", methods=["GET", "POST"], endpoint="approve")
@requires(access.MANAGE_PAYMENTS)
@recent_sign_in
def approve(payment_id: int):
    view, words = _view(payment_id)
    return _payment_step(
        view,
        "payments/approve.html",
        disbursements.approve_disbursement,
        ApproveForm,
        _("Payment %(id)d approved: it can now be executed.", id=payment_id),
        heading=_("Approve payment %(id)d", id=payment_id),
        button=lambda f: _("Approve %(amount)s to %(victim)s", **words),
    )


@bp.route("/payments/<int:payment_id>/reject", methods=["GET", "POST"], endpoint="reject")
@requires(access.MANAGE_PAYMENTS)
def reject(payment_id: int):
    view, words = _view(payment_id)
    return _payment_step(
        view,
        "payments/reject.html",
        disbursements.reject_disbursement,
        RejectForm,
        _("Payment %(id)d rejected: the cash it reserved is free again.", id=payment_id),
        heading=_("Reject payment %(id)d", id=payment_id),
        button=lambda f: _("Reject %(amount)s to %(victim)s", **words),
    )


@bp.route("/payments/<int:payment_id>/execute", methods=["GET", "POST"], endpoint="execute")
@requires(access.MANAGE_PAYMENTS)
@recent_sign_in
def execute(payment_id: int):
    view, words = _view(payment_id)
    payment = view.payment
    form = ExecuteForm
    if payment.amount.currency == payment.estimate.currency:  # the bank debits exactly that
        form = partial(ExecuteForm, debited=payment.amount)
    return _payment_step(
        view,
        "payments/execute.html",
        disbursements.execute_disbursement,
        form,
        _("Payment %(id)d made: %(amount)s to %(victim)s.", id=payment_id, **words),
        heading=_("Check the payment before it is recorded as made"),
        explanation=_(
            "The award's liability (2000) is relieved at what it carries for this amount; the "
            "fund's bank account (1000) is credited with what the bank debited. Any difference "
            "is a foreign-exchange gain (4400) or loss (5400); a fee is a bank charge (5300)."
        ),
        button=lambda f: _("Pay %(amount)s to %(victim)s", **words),
    )


@bp.route("/payments/<int:payment_id>/return", methods=["GET", "POST"], endpoint="return")
@requires(access.MANAGE_PAYMENTS)
def return_payment(payment_id: int):
    view, words = _view(payment_id)
    return _payment_step(
        view,
        "payments/return.html",
        disbursements.return_disbursement,
        ReturnForm,
        _("Payment %(id)d recorded as returned: the award is outstanding again.", id=payment_id),
        heading=_("Check the return before it is recorded"),
        explanation=_(
            "The payment's entry is reversed but for the bank's fee, which stays spent: the "
            "award is owed again and can be paid by a new proposal."
        ),
        warning=_("A returned payment cannot be executed again. This cannot be undone."),
        button=lambda f: _("Record the return of %(amount)s from %(victim)s", **words),
    )


# -- distribution rounds -----------------------------------------------------------------


@bp.route("/distributions/new", methods=["GET", "POST"])
@requires(access.MANAGE_PAYMENTS)
def distribute():
    session, actor = db.session(), current_actor()
    offered = round_choices(session, actor)
    functional = offered.free_cash.currency
    everyone = _("Every open award of the fund")

    def prepare(f: RoundForm) -> None:
        f.amount.currencies = [functional]
        f.case_id.choices = options([("", everyone), *offered.cases])

    planned = {}

    def act(f: RoundForm):
        if request.form.get(STEP_FIELD) != CONFIRM:
            # Before the confirmation page the round is planned, not dry-run: the plan is
            # what distribute proposes, refused the same way, and planning writes nothing
            # (a dry run would spend the database's ids of rounds and payments).
            planned["plan"] = distributions.plan_distribution(
                session, actor, f.amount.data, today_utc(), f.case_id.data
            )
            return planned["plan"]
        return distributions.distribute(session, actor=actor, on=today_utc(), **f.values())

    def preview(f: RoundForm) -> Markup:
        return Markup(render_template("payments/_plan.html", plan=planned["plan"]))  # noqa: S704

    def button(f: RoundForm) -> str:
        return _("Propose payments sharing %(amount)s", amount=money(f.amount.data))

    def finished(round_):
        message = _(
            "Distribution round %(id)d made: %(count)d payments proposed. Another administrator "
            "must approve each of them.",
            id=round_.id,
            count=len(round_.lines),
        )
        return done(message, "web.payments.distribution", distribution_id=round_.id)

    step = Step(
        form=RoundForm,
        template="payments/distribute.html",
        act=act,
        button=button,
        finished=finished,
        heading=_("Check the round before its payments are proposed"),
        prepare=prepare,
        explanation=_(
            "Each award weighs what it still needs (neither paid nor proposed). Its share of "
            "the amount is floored to the cent; the cents left over go one each to the awards "
            "with the largest remainders, ties to the lower award number. Nothing is paid yet: "
            "each share becomes a proposed payment that another administrator must approve."
        ),
        details=preview,
    )
    return take(step, offered=offered)


@bp.route("/distributions/<int:distribution_id>")
@requires(access.READ_BOOKS)
def distribution(distribution_id: int):
    return render(
        "payments/distribution.html",
        view=round_page(db.session(), current_actor(), distribution_id),
    )
