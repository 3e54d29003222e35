"""What every door asks the statement builders with: the fund's locale and fiscal year, and
its signer, which stamps every statement with a checkpoint of the heads it was built from.

The API, the web pages and the CLI each take their own arguments; the settings a
statement needs from the configuration (how amounts are written, when the reporting
year starts) are filled in here once, so that no door builds a statement of another
year or another notation.
"""

from __future__ import annotations

from flask import current_app

from app.checkpoints import checkpointer
from ledger.access import Actor
from reports.context import ReportRequest


def report_request(actor: Actor, **asked) -> ReportRequest:
    """``ReportRequest(actor, **asked)`` with the configured locale and fiscal year start."""
    config = current_app.config
    return ReportRequest(
        actor=actor,
        locale=config.get("LOCALE", "en_GB"),
        fiscal_year_start=config.get("FISCAL_YEAR_START", 1),
        checkpointer=checkpointer().take,
        **asked,
    )
