"""The PDF file itself, written object by object as the pages are finished.

reportlab's ``Canvas.save()`` formats the whole document in memory before writing it,
so its peak grew with the page count (147 MiB at 200,000 rows). Here each page's content
stream and page object are written to ``out`` as soon as the page is done; what stays in
memory is one offset per object, one object number per page, and the characters the
embedded fonts have been asked for. Objects whose content is known only at the end (the
page tree, the fonts, the shared resources, the "Y" of "Page X of Y") get their numbers
when first referred to and are written last, followed by the cross-reference table and
the trailer.

Standard fonts are referred to by name with WinAnsi encoding. An embedded TrueType font
(:mod:`reports.pdf.fonts`) is a Type0 font with two-byte codes of our own: each character
gets the next code when first shown, a ``CIDToGIDMap`` maps codes to the font's glyphs
and a ``ToUnicode`` map back to the characters, so that text extraction returns exactly
what was written, a character without a glyph included.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from datetime import datetime
from typing import BinaryIO

from reports.pdf.fonts import EMBEDDED, STANDARD


def literal(text: str) -> str:
    """A PDF literal string of ``text`` (Latin-1 characters: one byte each)."""
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def text_string(text: str) -> str:
    """A PDF text string (the document's metadata): ASCII as is, anything else UTF-16."""
    if text.isascii():
        return literal(text)
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class PdfFile:
    """Numbered objects written to ``out`` as they come; :meth:`close` ends the file."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.position = 0
        self.offsets = array("q", [0])  # per object number; 0 = the free entry
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        """A new object number, its object to be written later."""
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def object(self, number: int, body: str | bytes) -> None:
        if isinstance(body, str):
            body = body.encode("latin-1")
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def stream(self, number: int, data: bytes, entries: str = "", *, compress=True) -> None:
        if compress:
            data = zlib.compress(data, 6)
            entries += " /Filter /FlateDecode"
        head = f"<< /Length {len(data)}{entries} >>\nstream\n".encode("latin-1")
        self.object(number, head + data + b"\nendstream")

    def close(self, root: int, info: int, identity: str) -> None:
        unwritten = [n for n in range(1, len(self.offsets)) if self.offsets[n] < 0]
        assert not unwritten, f"PDF objects referred to but never written: {unwritten[:5]}"
        start = self.position
        count = len(self.offsets)
        self._write(f"xref\n0 {count}\n0000000000 65535 f \n".encode("latin-1"))
        for first in range(1, count, 1000):
            last = min(count, first + 1000)
            rows = (f"{self.offsets[n]:010d} 00000 n \n" for n in range(first, last))
            self._write("".join(rows).encode("latin-1"))
        digest = hashlib.md5(identity.encode("utf-8"), usedforsecurity=False).hexdigest()
        self._write(
            f"trailer\n<< /Size {count} /Root {root} 0 R /Info {info} 0 R "
            f"/ID [<{digest}> <{digest}>] >>\nstartxref\n{start}\n%%EOF\n".encode("latin-1")
        )


def pdf_date(moment: datetime) -> str:
    return moment.strftime("(D:%Y%m%d%H%M%S+00'00')")


class Fonts:
    """The fonts a document's pages use, by resource name (``/F1``…), and how to write
    text in each: WinAnsi bytes for the standard fonts, our two-byte codes for an
    embedded one. Written at the end (:meth:`write`), into one resource dictionary that
    every page refers to."""

    def __init__(self, file: PdfFile):
        self.file = file
        self.resources = file.reserve()
        self.names: dict[str, str] = {}
        #: Per embedded font: character -> code (1, 2, …), in the order first shown.
        self.codes: dict[str, dict[str, int]] = {}

    def name(self, font: str) -> str:
        found = self.names.get(font)
        if found is None:
            found = self.names[font] = f"/F{len(self.names) + 1}"
            if font in EMBEDDED:
                self.codes[font] = {}
        return found

    def show(self, font: str, text: str) -> str:
        """The operator that shows ``text`` in ``font`` (the font already selected)."""
        codes = self.codes.get(font)
        if codes is None:
            if not text.isascii():
                text = text.encode("cp1252").decode("latin-1")
            if "(" in text or ")" in text or "\\" in text:
                return literal(text) + " Tj"
            return f"({text}) Tj"
        hexes = []
        for char in text:
            code = codes.get(char)
            if code is None:
                code = codes[char] = len(codes) + 1
                assert code < 0xFFFF, "more distinct characters than two-byte codes"
            hexes.append(f"{code:04X}")
        return f"<{''.join(hexes)}> Tj"

    def write(self) -> None:
        entries = []
        for font, name in self.names.items():
            number = self.file.reserve()
            if font in STANDARD:
                self.file.object(
                    number,
                    f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} "
                    "/Encoding /WinAnsiEncoding >>",
                )
            else:
                self._embedded(number, font)
            entries.append(f"{name} {number} 0 R")
        self.file.object(
            self.resources,
            f"<< /Font << {' '.join(entries)} >> /ProcSet [/PDF /Text] >>",
        )

    def _embedded(self, number: int, font: str) -> None:
        face = EMBEDDED[font].face
        codes = self.codes[font]
        file = self.file
        descendant, descriptor, program, to_gid, to_unicode = (file.reserve() for _ in range(5))
        base = face.name.decode("latin-1") if isinstance(face.name, bytes) else face.name
        file.object(
            number,
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H "
            f"/DescendantFonts [{descendant} 0 R] /ToUnicode {to_unicode} 0 R >>",
        )
        chars = sorted(codes, key=codes.__getitem__)
        widths = " ".join(str(round(face.charWidths.get(ord(c), face.defaultWidth))) for c in chars)
        file.object(
            descendant,
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW {round(face.defaultWidth)} "
            f"/W [1 [{widths}]] /CIDToGIDMap {to_gid} 0 R >>",
        )
        box = " ".join(str(round(v)) for v in face.bbox)
        file.object(
            descriptor,
            f"<< /Type /FontDescriptor /FontName /{base} /Flags {face.flags} "
            f"/FontBBox [{box}] /ItalicAngle {round(face.italicAngle)} "
            f"/Ascent {round(face.ascent)} /Descent {round(face.descent)} "
            f"/CapHeight {round(face.capHeight)} /StemV {face.stemV} "
            f"/FontFile2 {program} 0 R >>",
        )
        data = FONT_FILES.get(font) or _font_file(font)
        file.stream(program, data, f" /Length1 {len(data)}")
        gids = bytearray(2)  # code 0: .notdef
        for char in chars:
            gids += face.charToGlyph.get(ord(char), 0).to_bytes(2, "big")
        file.stream(to_gid, bytes(gids))
        file.stream(to_unicode, _to_unicode(chars).encode("latin-1"))


FONT_FILES: dict[str, bytes] = {}


def _font_file(font: str) -> bytes:
    with open(EMBEDDED[font].face.filename, "rb") as handle:
        data = FONT_FILES[font] = handle.read()
    return data


def _to_unicode(chars: list[str]) -> str:
    """The CMap from our codes (1…) back to the characters (UTF-16BE)."""
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for first in range(0, len(chars), 100):
        chunk = chars[first : first + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [
            f"<{code:04X}> <{char.encode('utf-16-be').hex().upper()}>"
            for code, char in enumerate(chunk, start=first + 1)
        ]
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines)
