"""Who may open the pages of the books' housekeeping: periods, exchange rates, statements,
integrity.

Courts read the rates (a foreign award is converted with them) and the statements page,
where they have the awards register of their own awards; the periods and the integrity
check are the books', for administrators and auditors; only administrators close, revalue
and keep the rates. Running the integrity check is a step auditors take too.
"""

from tests.web.matrix import ADMIN_AUDITOR, ADMIN_ONLY, EVERYONE, Expect, page

PAGES = {
    "web.periods.index": page(ADMIN_AUDITOR),
    "web.periods.close": page(ADMIN_ONLY),
    "web.periods.revalue_month": page(ADMIN_ONLY),
    "web.periods.close_a_year": page(ADMIN_ONLY),
    "web.rates.index": page(EVERYONE),
    "web.rates.add": page(ADMIN_ONLY),
    "web.rates.upload": page(ADMIN_ONLY),
    "web.reports.index": page(EVERYONE),
    # The awards register is the one statement every role may have (a court: its own awards).
    "web.reports.statement": Expect(EVERYONE, {"slug": "awards-register"}, {"format": "csv"}),
    "web.integrity.index": page(ADMIN_AUDITOR),
    "web.integrity.run": page(ADMIN_AUDITOR),
    "web.integrity.audit_log": page(ADMIN_AUDITOR),
}
