"""Fonts, string widths and wrapping: every character kept, measured once.

Text is set in the PDF's standard Helvetica (nothing to embed, WinAnsi encoding: Western
European letters, "—", "€"). A cell or line with a character WinAnsi cannot show
(Romanian ș ț, Polish ł, Cyrillic, Greek…) is set instead in DejaVu Sans (regular or
bold), vendored in ``reports/fonts/`` with its licence (Bitstream Vera) and embedded whole
the first time a statement uses it; only such text pays for it, so the common case stays
as fast as before.

DejaVu Sans has no Thai, CJK, Devanagari… glyphs. Such a character is still written to
the PDF as itself (its ToUnicode entry, see :mod:`reports.pdf.document`): search, copy
and text extraction get it back whole, only its drawing is the font's empty box. It is
never dropped or replaced silently; :func:`missing_glyphs` names what a font cannot draw.

Widths are reportlab's (the sum of the glyphs' widths in thousandths of the size, no
kerning), from a table of the printable ASCII glyphs and a cache of the strings already
measured: reportlab's own ``stringWidth`` is pure Python where its C accelerator is not
installed, several microseconds a cell.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

from reports.pdf.style import SIZE

FONT, BOLD, NOTE_FONT, MONO = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Courier"
UNICODE, UNICODE_BOLD = "DejaVuSans", "DejaVuSans-Bold"
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
#: The embedded font that stands in for each standard one beyond WinAnsi.
STAND_IN = {FONT: UNICODE, NOTE_FONT: UNICODE, MONO: UNICODE, BOLD: UNICODE_BOLD}
#: Standard fonts: nothing embedded, WinAnsi encoding.
STANDARD = (FONT, BOLD, NOTE_FONT, MONO)


def _register() -> dict[str, TTFont]:
    fonts = {}
    for name, file in ((UNICODE, "DejaVuSans.ttf"), (UNICODE_BOLD, "DejaVuSans-Bold.ttf")):
        try:
            font = pdfmetrics.getFont(name)
        except KeyError:
            font = TTFont(name, str(FONT_DIR / file))
            pdfmetrics.registerFont(font)
        fonts[name] = font
    return fonts


#: The embedded fonts, registered with reportlab once (for their widths and files).
EMBEDDED = _register()


def winansi(text: str) -> bool:
    """Whether Helvetica (WinAnsi, that is Windows-1252) can show every character."""
    if text.isascii():
        return True
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def font_for(text: str, font: str) -> str:
    """``font``, or its embedded stand-in when ``text`` has a character beyond WinAnsi."""
    if text.isascii() or font not in STAND_IN or winansi(text):
        return font
    return STAND_IN[font]


def missing_glyphs(text: str, font: str) -> set[str]:
    """The characters of ``text`` that ``font`` has no glyph for (drawn as an empty box,
    still extracted as themselves)."""
    if font in EMBEDDED:
        known = EMBEDDED[font].face.charToGlyph
        return {c for c in text if ord(c) not in known and c not in "\n\t"}
    return set() if winansi(text) else {c for c in text if not winansi(c)}


class Metrics:
    """String widths in one font and size (see the module docstring)."""

    LIMIT = 50_000  # strings remembered (a few MiB); forgotten all at once beyond

    def __init__(self, font: str, size: float):
        self.font, self.size = font, size
        self.glyphs = {chr(c): round(stringWidth(chr(c), font, 1000)) for c in range(32, 127)}
        self.known: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        width = self.known.get(text)
        if width is None:
            try:
                width = sum(map(self.glyphs.__getitem__, text)) * 0.001 * self.size
            except KeyError:  # beyond ASCII: reportlab knows the font's encoding
                width = stringWidth(text, self.font, self.size)
            if len(self.known) >= self.LIMIT:
                self.known.clear()
            self.known[text] = width
        return width


_METRICS: dict[tuple[str, float], Metrics] = {}


def metrics(font: str, size: float = SIZE) -> Metrics:
    found = _METRICS.get((font, size))
    if found is None:
        found = _METRICS[(font, size)] = Metrics(font, size)
    return found


def width(text: str, font: str, size: float = SIZE) -> float:
    return metrics(font, size)(text)


def wrap(text: str, font: str, room: float, size: float = SIZE) -> list[str]:
    """``text`` in lines no wider than ``room``: broken at spaces, a word too long for a
    line between characters; line breaks in the text are kept. Every character is kept."""
    if "\n" not in text and width(text, font, size) <= room:
        return [text]
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if width(candidate, font, size) <= room:
                line = candidate
                continue
            if line:
                lines.append(line)
            while width(word, font, size) > room and len(word) > 1:
                cut = _fitting_prefix(word, font, size, room)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fitting_prefix(word: str, font: str, size: float, room: float) -> int:
    """The longest prefix of ``word`` (at least one character) no wider than ``room``."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if width(word[:middle], font, size) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def longest_word(text: str, font: str) -> float:
    font = font_for(text, font)
    return max((width(word, font) for word in text.split()), default=0.0)
