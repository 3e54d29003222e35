"""Who may open the pages of the books: receipts and expenses, the journal, the accounts.

Courts never read the books (READ_BOOKS); auditors read them but take no step.
On the demo fund, entry 1 is the seizure of cash (a register's entry) and 1000 the bank.
"""

from tests.web.matrix import ADMIN_AUDITOR, ADMIN_ONLY, page

PAGES = {
    "web.cash.receipts": page(ADMIN_AUDITOR),
    "web.cash.expenses": page(ADMIN_AUDITOR),
    "web.cash.record_receipt": page(ADMIN_ONLY),
    "web.cash.record_expense": page(ADMIN_ONLY),
    "web.journal.index": page(ADMIN_AUDITOR),
    "web.journal.show": page(ADMIN_AUDITOR, number=1),
    "web.journal.new_entry": page(ADMIN_ONLY),
    "web.journal.reverse": page(ADMIN_ONLY, number=1),
    "web.accounts.index": page(ADMIN_AUDITOR),
    "web.accounts.add_account": page(ADMIN_ONLY),
    "web.accounts.show": page(ADMIN_AUDITOR, code="1000"),
}
