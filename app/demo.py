"""A realistic demo fund, built through the same services as real work.

Three cases; assets in every state (seized, forfeited, liquidated at a gain
and at a loss, released); domestic and foreign victims (some back home);
awards in EUR, USD and THB; payments at home and abroad (one with a bank fee
and an FX difference, one returned undelivered); a distribution round;
a month-end revaluation and two closed months. Exchange rates are real ECB
reference rates shipped in ``app/data``.

Four users are created (``demo-admin``, ``demo-approver``, ``demo-court``,
``demo-auditor``) with random passwords; ``fundledger create-token NAME``
gives access to the API.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import assets, awards, cases, cash, closing, disbursements, distributions, victims
from ledger.errors import Conflict
from ledger.fx import import_ecb_csv
from ledger.models import JournalEntry, User
from ledger.money import Money
from ledger.periods import close_month
from ledger.pii import PiiCipher
from ledger.users import create_user

RATES = Path(__file__).parent / "data" / "eurofxref-sample.csv"
ADMIN, APPROVER, COURT, AUDITOR = "demo-admin", "demo-approver", "demo-court", "demo-auditor"


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def build_demo(session: Session, cipher: PiiCipher, *, functional: str, today: date) -> dict:
    """Fill an empty fund; refuse (Conflict) if the journal already has entries."""
    if functional != "EUR":
        raise Conflict("the demo fund keeps its books in EUR (FUNDLEDGER_CURRENCY=EUR)")
    if session.scalar(select(func.count()).select_from(JournalEntry)):
        raise Conflict("the demo needs an empty fund: this database already has entries")
    _users(session)
    import_ecb_csv(session, RATES.read_text(), functional, source="ECB reference rates (demo)")

    lisbon = cases.open_case(
        session,
        actor=ADMIN,
        reference="CR-2026-014",
        court="Lisbon Criminal Court",
        title="State v. Kovacs and others",
        jurisdiction="PT",
        opened_on=date(2026, 1, 2),
    )
    porto = cases.open_case(
        session,
        actor=ADMIN,
        reference="CR-2026-022",
        court="Porto Criminal Court",
        title="State v. Orchid network",
        jurisdiction="PT",
        opened_on=date(2026, 1, 3),
    )
    faro = cases.open_case(
        session,
        actor=ADMIN,
        reference="CR-2025-107",
        court="Faro Criminal Court",
        title="State v. Marin",
        jurisdiction="PT",
        opened_on=date(2026, 1, 5),
    )
    _assets(session, lisbon.id, porto.id, faro.id)
    _receipts_and_expenses(session)
    people = _victims(session, cipher)
    owed = _awards(session, lisbon.id, porto.id, faro.id, people)
    _payments(session, owed)
    closing.revalue(session, actor=ADMIN, month="2026-02")
    close_month(session, "2026-02", closed_by=ADMIN, today=today)
    distributions.distribute(session, actor=ADMIN, amount=eur("20000.00"), on=date(2026, 3, 31))
    session.flush()
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    return {"entries": entries, "victims": len(people), "awards": len(owed)}


def _users(session: Session) -> None:
    for name, role in (
        (ADMIN, "administrator"),
        (APPROVER, "administrator"),
        (COURT, "court"),
        (AUDITOR, "auditor"),
    ):
        if session.scalar(select(User.id).where(User.name == name)) is None:
            create_user(session, name, role, secrets.token_urlsafe(24))


def _assets(session: Session, lisbon: int, porto: int, faro: int) -> None:
    seize = assets.seize_asset
    cash_box = seize(
        session,
        actor=ADMIN,
        case_id=lisbon,
        kind="cash",
        description="Cash found in a safe at the Rua Augusta flat",
        seized_on=date(2026, 1, 5),
        estimated_value=eur("182450.00"),
    )
    car = seize(
        session,
        actor=ADMIN,
        case_id=lisbon,
        kind="vehicle",
        description="BMW X5, 2022, registration AA-00-BB",
        seized_on=date(2026, 1, 5),
        estimated_value=eur("45000.00"),
    )
    seize(
        session,
        actor=ADMIN,
        case_id=lisbon,
        kind="real_estate",
        description="Apartment, Rua Augusta 12, Lisbon (under seizure)",
        seized_on=date(2026, 1, 6),
        estimated_value=eur("250000.00"),
    )
    dollars = seize(
        session,
        actor=ADMIN,
        case_id=porto,
        kind="cash",
        description="US dollars in a rented car",
        seized_on=date(2026, 1, 6),
        estimated_value=Money.parse("64000.00", "USD"),
    )
    coins = seize(
        session,
        actor=ADMIN,
        case_id=porto,
        kind="crypto",
        description="Hardware wallet with stablecoins",
        seized_on=date(2026, 1, 7),
        estimated_value=eur("30000.00"),
    )
    account = seize(
        session,
        actor=ADMIN,
        case_id=porto,
        kind="bank_account",
        description="Frozen account at a Porto bank",
        seized_on=date(2026, 1, 7),
        estimated_value=eur("38900.00"),
    )
    seize(
        session,
        actor=ADMIN,
        case_id=faro,
        kind="securities",
        description="Listed shares held in a brokerage account",
        seized_on=date(2026, 1, 8),
        estimated_value=eur("12000.00"),
    )
    jewels = seize(
        session,
        actor=ADMIN,
        case_id=faro,
        kind="other",
        description="Jewellery",
        seized_on=date(2026, 1, 8),
        estimated_value=eur("6500.00"),
    )

    cash.record_receipt(
        session,
        actor=ADMIN,
        kind="escrow_interest",
        received_on=date(2026, 1, 31),
        amount=eur("212.35"),
        counterparty="Escrow bank",
        asset_id=cash_box.id,
    )
    assets.forfeit_asset(
        session,
        actor=ADMIN,
        asset_id=cash_box.id,
        order_reference="FO-014/1",
        forfeited_on=date(2026, 2, 2),
    )
    assets.forfeit_asset(
        session,
        actor=ADMIN,
        asset_id=car.id,
        order_reference="FO-014/2",
        forfeited_on=date(2026, 2, 3),
        value=eur("41000.00"),
    )
    assets.forfeit_asset(
        session,
        actor=ADMIN,
        asset_id=coins.id,
        order_reference="FO-022/1",
        forfeited_on=date(2026, 2, 3),
        value=eur("27500.00"),
    )
    assets.forfeit_asset(
        session,
        actor=ADMIN,
        asset_id=account.id,
        order_reference="FO-022/2",
        forfeited_on=date(2026, 2, 3),
        value=eur("38900.00"),
    )
    assets.liquidate_asset(
        session,
        actor=ADMIN,
        asset_id=account.id,
        sold_on=date(2026, 2, 4),
        proceeds=eur("38900.00"),
        selling_costs=eur("0.00"),
    )
    assets.release_asset(
        session,
        actor=ADMIN,
        asset_id=dollars.id,
        released_on=date(2026, 2, 20),
        reason="Owner's lawful title proven",
    )
    assets.release_asset(
        session,
        actor=ADMIN,
        asset_id=jewels.id,
        released_on=date(2026, 2, 25),
        reason="Returned to a third party",
    )
    cash.record_expense(
        session,
        actor=ADMIN,
        kind="custody",
        paid_on=date(2026, 2, 27),
        amount=eur("1850.00"),
        counterparty="Secure Garage Lda",
        asset_id=car.id,
    )
    assets.liquidate_asset(
        session,
        actor=ADMIN,
        asset_id=car.id,
        sold_on=date(2026, 3, 30),
        proceeds=eur("43500.00"),
        selling_costs=eur("1200.00"),
    )
    cash.record_expense(
        session,
        actor=ADMIN,
        kind="disposal",
        paid_on=date(2026, 3, 30),
        amount=eur("950.00"),
        counterparty="Digital asset broker",
        asset_id=coins.id,
    )
    assets.liquidate_asset(
        session,
        actor=ADMIN,
        asset_id=coins.id,
        sold_on=date(2026, 3, 30),
        proceeds=eur("24000.00"),
        selling_costs=eur("300.00"),
    )


def _receipts_and_expenses(session: Session) -> None:
    cash.record_receipt(
        session,
        actor=ADMIN,
        kind="grant",
        received_on=date(2026, 1, 8),
        amount=eur("150000.00"),
        counterparty="EU Internal Security Fund",
    )
    cash.record_receipt(
        session,
        actor=ADMIN,
        kind="donation",
        received_on=date(2026, 1, 20),
        amount=eur("2500.00"),
        counterparty="Anti-trafficking foundation",
    )
    cash.record_expense(
        session,
        actor=ADMIN,
        kind="administrative",
        paid_on=date(2026, 1, 30),
        amount=eur("3200.00"),
        counterparty="Fund secretariat",
    )
    cash.record_expense(
        session,
        actor=ADMIN,
        kind="bank_charges",
        paid_on=date(2026, 1, 31),
        amount=eur("12.50"),
        counterparty="Bank",
    )
    close_month(session, "2026-01", closed_by=ADMIN, today=date(2026, 2, 1))
    cash.record_receipt(
        session,
        actor=ADMIN,
        kind="interest",
        received_on=date(2026, 3, 31),
        amount=eur("84.12"),
        counterparty="Bank",
    )


def _victims(session: Session, cipher: PiiCipher) -> dict[str, int]:
    register = victims.register_victim
    pay = victims.PaymentDetails
    people = {
        "ana": register(
            session,
            cipher,
            actor=COURT,
            full_name="Ana Ferreira",
            date_of_birth=date(1994, 5, 17),
            contact="+351 912 000 001",
            country_of_residence="PT",
            returned_home=False,
            payment=pay("bank_transfer", "EUR", iban="PT50000201231234567890154", bic="CGDIPTPL"),
        ),
        "somchai": register(
            session,
            cipher,
            actor=ADMIN,
            full_name="Somchai Wongsakul",
            date_of_birth=date(1989, 11, 2),
            contact="via the Bangkok partner office",
            country_of_residence="TH",
            returned_home=True,
            payment=pay(
                "bank_transfer",
                "THB",
                account_number="123-4-56789-0",
                bic="BKKBTHBK",
                bank_country="TH",
            ),
        ),
        "maria": register(
            session,
            cipher,
            actor=ADMIN,
            full_name="Maria Santos",
            date_of_birth=None,
            contact=None,
            country_of_residence="PH",
            returned_home=True,
            payment=pay(
                "intermediary",
                "USD",
                intermediary="Manila Survivors' Network",
                reference="MSN-2026-031",
            ),
        ),
        "ioana": register(
            session,
            cipher,
            actor=COURT,
            full_name="Ioana Popescu",
            date_of_birth=date(2001, 3, 9),
            contact="ioana@example.org",
            country_of_residence="PT",
            returned_home=False,
            payment=pay("bank_transfer", "EUR", iban="RO49AAAA1B31007593840000", bic="RNCBROBU"),
        ),
        "elena": register(
            session,
            cipher,
            actor=ADMIN,
            full_name="Elena Rusu",
            date_of_birth=None,
            contact=None,
            country_of_residence="MD",
            returned_home=True,
            payment=pay("cash", "EUR"),
        ),
    }
    return {name: victim.id for name, victim in people.items()}


def _awards(session: Session, lisbon: int, porto: int, faro: int, people: dict) -> dict:
    register = awards.register_award
    spec = {
        "ana": (lisbon, "AO-014/1", date(2026, 2, 5), eur("45000.00")),
        "somchai": (lisbon, "AO-014/2", date(2026, 2, 5), Money.parse("1250000.00", "THB")),
        "maria": (porto, "AO-022/1", date(2026, 2, 9), Money.parse("30000.00", "USD")),
        "ioana": (porto, "AO-022/2", date(2026, 2, 9), eur("25000.00")),
        "elena": (faro, "AO-107/1", date(2026, 2, 12), eur("8000.00")),
    }
    court = session.scalar(select(User.id).where(User.name == COURT))
    return {
        name: register(
            session,
            actor=COURT,
            case_id=case_id,
            victim_id=people[name],
            order_reference=ref,
            ordered_on=day,
            amount=amount,
            court_user_id=court,
        ).id
        for name, (case_id, ref, day, amount) in spec.items()
    }


def _payments(session: Session, owed: dict) -> None:
    def pay(award, amount, on, debited, fee, ref):
        proposal = disbursements.propose_disbursement(
            session, actor=ADMIN, award_id=award, amount=amount, method="bank_transfer", on=on
        )
        disbursements.approve_disbursement(session, actor=APPROVER, disbursement_id=proposal.id)
        return disbursements.execute_disbursement(
            session,
            actor=ADMIN,
            disbursement_id=proposal.id,
            paid_on=on,
            bank_reference=ref,
            debited=debited,
            fee=fee,
        )

    pay(
        owed["ana"],
        eur("20000.00"),
        date(2026, 2, 10),
        eur("20000.00"),
        eur("0.00"),
        "PT-SEPA-0001",
    )
    pay(
        owed["ioana"],
        eur("25000.00"),
        date(2026, 2, 11),
        eur("25000.00"),
        eur("0.00"),
        "PT-SEPA-0002",
    )
    # Abroad: THB 600,000 to Bangkok; the bank debits EUR and charges a fee.
    pay(
        owed["somchai"],
        Money.parse("600000.00", "THB"),
        date(2026, 2, 16),
        eur("16120.00"),
        eur("25.00"),
        "SWIFT-TH-0001",
    )
    returned = pay(
        owed["maria"],
        Money.parse("10000.00", "USD"),
        date(2026, 2, 17),
        eur("8390.00"),
        eur("18.00"),
        "SWIFT-PH-0001",
    )
    disbursements.return_disbursement(
        session,
        actor=ADMIN,
        disbursement_id=returned.id,
        returned_on=date(2026, 2, 26),
        reason="Beneficiary account at the intermediary closed",
    )
