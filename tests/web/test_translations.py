"""Every string of the web pages goes through gettext, and the shipped catalogue holds them all.

The catalogue (app/translations/messages.pot and its English translation) is made by
``bash scripts/translations``; this fails when a page gained a string since, so a
translator always gets every one.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None,
            "lazy_gettext": None}  # fmt: skip
METHODS = [
    ("app/**.py", "python"),
    ("ledger/labels.py", "python"),
    ("app/web/templates/**.html", "jinja2"),
]


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHODS,
        {"app/web/templates/**.html": {"extensions": "jinja2.ext.do"}},
        KEYWORDS,
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}


def test_the_shipped_catalogue_has_every_message_of_the_pages():
    pot = ROOT / "app/translations/messages.pot"
    missing = sorted(extracted() - catalogue(pot))
    assert not missing, (
        f"run `bash scripts/translations`: {len(missing)} new messages, {missing[:5]}"
    )
    english = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
    assert catalogue(english) == catalogue(pot)
    assert (ROOT / "app/translations/en/LC_MESSAGES/messages.mo").exists()
