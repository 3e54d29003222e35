"""The forms of the payments pages: the queue's filters, each step of a payment, a round.

Fields only; what a value must be beyond its format (an amount the award still
owes, a date in an open month, four eyes) is the core's to say.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.web.forms import DayField, FilterForm, Form, MoneyField, NumberField, any_or, options
from ledger import labels
from ledger.models.registers import DISBURSEMENT_STATES, PAYMENT_METHODS
from ledger.reads import choices


def _labelled(table: dict, codes) -> list[tuple[str, str]]:
    return [(code, _l(table[code])) for code in codes]


class PaymentFilters(FilterForm):
    status = SelectField(
        _l("State"),
        default="",
        choices=any_or(_labelled(labels.PAYMENT_STATUS, DISBURSEMENT_STATES)),
    )
    award_id = NumberField(_l("Award"), message=_l("Enter an award's number, such as 12"))
    case_id = SelectField(_l("Case"), coerce=lambda v: int(v) if v else None, choices=[])
    distribution_id = NumberField(
        _l("Distribution round"), message=_l("Enter a round's number, such as 3")
    )

    def offer(self, session, actor) -> None:
        self.case_id.choices = any_or(choices.open_cases(session, actor))


class ProposeForm(Form):
    amount = MoneyField(_l("Amount to pay"))
    method = SelectField(
        _l("How it is paid"), choices=options(_labelled(labels.PAYMENT_METHOD, PAYMENT_METHODS))
    )


class ApproveForm(Form):
    pass


class RejectForm(Form):
    reason = TextAreaField(_l("Why it is rejected (optional)"), [Optional(), Length(max=500)])


class ExecuteForm(Form):
    paid_on = DayField(_l("Paid on"))
    bank_reference = StringField(
        _l("Bank reference"),
        [InputRequired(_l("Enter the bank's reference for the payment")), Length(max=100)],
    )
    debited = MoneyField(_l("Amount debited from the fund's account"))
    fee = MoneyField(_l("Bank fee"), optional=True, allow_zero=True)


class ReturnForm(Form):
    returned_on = DayField(_l("Returned on"))
    reason = TextAreaField(
        _l("Why it came back"),
        [InputRequired(_l("Say why the payment came back")), Length(max=500)],
    )


class RoundForm(Form):
    amount = MoneyField(_l("Amount to distribute"))
    case_id = SelectField(
        _l("Awards to share it over"), coerce=lambda v: int(v) if v else None, choices=[]
    )
