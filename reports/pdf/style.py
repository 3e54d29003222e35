"""The page's geometry and colours, in PDF points and RGB levels, shared by the modules.

Kept apart so that the layout (which decides widths) and the page writer (which draws)
agree on every distance without importing each other.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 14 * mm
SIZE = 8  # the body text
LEADING = 9.4  # between the lines of one cell
PAD_X, PAD_Y = 3.0, 1.8  # inside a cell
TOTAL_RULE_GAP = 1.5  # between the two rules under a closing line
ASCENT = 6.0  # from a line's top to its baseline, at SIZE
FOOTER_HEIGHT = 10 * mm
GREY = (0.92, 0.92, 0.92)
DRAFT_RED = (0.7, 0.05, 0.05)
FINAL_GREEN = (0.0, 0.4, 0.15)
#: Row styles printed bold.
STRUCTURE = ("heading", "subtotal", "total")


def height(lines: int) -> float:
    """The height of a row of ``lines`` lines."""
    return lines * LEADING + 2 * PAD_Y
