"""Who may do what: the three roles, the actor every service takes, and the rules.

Every door (the REST API, the web pages, the CLI, spreadsheet imports) turns
whoever is calling into an :class:`Actor` and passes it to the service or
read function it calls. The service decides: :func:`require` refuses a role
that may not take the step, and the registers apply the finer rules (a court
sees and acts only on the awards it registered, only an administrator sees a
victim's personal data, four eyes on payments) themselves. A door may check
a :class:`Permission` early to answer before parsing a body, or to decide
what to offer; it never decides anything the service does not decide again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import Forbidden

ADMINISTRATOR, COURT, AUDITOR = "administrator", "court", "auditor"
ROLES = (ADMINISTRATOR, COURT, AUDITOR)
ROLE_DESCRIPTIONS = {
    ADMINISTRATOR: "fund staff: registers, payments (never approving their own), period close",
    COURT: "a court registry: registers victims and awards, follows its own awards",
    AUDITOR: "reads everything but victims' personal data, downloads statements",
}
#: The name the command line acts under when no user is named.
SYSTEM_NAME = "cli"


@dataclass(frozen=True)
class Actor:
    """Who takes a step: the user's id (None for the command line), name and role.

    Names are what the journal's ``created_by`` and the audit log record, and
    what four eyes compares: user names are unique.
    """

    user_id: int | None
    name: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if not isinstance(self.name, str) or not 1 <= len(self.name) <= 64:
            raise ValueError("an actor needs a name of 1 to 64 characters")

    @classmethod
    def of(cls, user) -> Actor:
        """The actor for a :class:`ledger.models.User`."""
        return cls(user.id, user.name, user.role)

    @classmethod
    def system(cls, name: str = SYSTEM_NAME) -> Actor:
        """The operator at the command line: shell access to the books is an administrator's."""
        return cls(None, name, ADMINISTRATOR)

    @property
    def is_administrator(self) -> bool:
        return self.role == ADMINISTRATOR

    @property
    def is_court(self) -> bool:
        return self.role == COURT

    @property
    def court_scope(self) -> int | None:
        """The court user whose awards alone this actor sees, or None for everyone else."""
        return self.user_id if self.role == COURT else None

    def may(self, permission: Permission) -> bool:
        return self.role in permission.roles


@dataclass(frozen=True)
class Permission:
    """A step or a read, and the roles that may take it."""

    name: str
    roles: frozenset[str]


def _allow(name: str, *roles: str) -> Permission:
    return Permission(name, frozenset(roles))


# Reads. Registers are open to every role (a court's view of awards and payments is
# narrowed to its own by the read functions); the books are not open to courts.
READ_REGISTERS = _allow("read the registers", ADMINISTRATOR, COURT, AUDITOR)
READ_BOOKS = _allow("read the books", ADMINISTRATOR, AUDITOR)
READ_STATEMENTS = _allow("download statements", ADMINISTRATOR, COURT, AUDITOR)
#: Statements a court may download (of its own awards only).
COURT_STATEMENTS = frozenset({"awards-register"})

# Steps.
REGISTER_AWARDS = _allow("register and cancel awards", ADMINISTRATOR, COURT)
REGISTER_VICTIMS = _allow("register victims", ADMINISTRATOR, COURT)
MANAGE_VICTIMS = _allow("see and change victims' personal data", ADMINISTRATOR)
MANAGE_CASES = _allow("open cases", ADMINISTRATOR)
MANAGE_ASSETS = _allow("seize, forfeit, sell and release assets", ADMINISTRATOR)
MANAGE_PAYMENTS = _allow("propose, approve, execute and return payments", ADMINISTRATOR)
MANAGE_CASH = _allow("record receipts and expenses", ADMINISTRATOR)
MANAGE_BOOKS = _allow(
    "post manual entries, close periods, keep the chart and the rates", ADMINISTRATOR
)
MANAGE_USERS = _allow("create users", ADMINISTRATOR)


def require(actor: Actor, permission: Permission) -> Actor:
    """Return ``actor`` if its role may do ``permission``, else :class:`Forbidden`."""
    if not isinstance(actor, Actor):
        raise TypeError(f"a service needs an Actor, not {type(actor).__name__}")
    if actor.role not in permission.roles:
        raise Forbidden(f"the {actor.role} role may not {permission.name}")
    return actor
