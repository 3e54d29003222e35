"""The signed checkpoint a statement file carries, read back from the file itself.

Each format keeps it where the renderer put it: a PDF in its document metadata
(``/FundledgerCheckpoint``, base64 of the JSON line; the metadata dictionary is
never compressed), an XLSX on its About sheet (the ``Checkpoint`` line), a JSON
statement in its ``checkpoint`` member, before its lines (so a long statement
is not read whole). A CSV starts with its header row and has no room for one:
the download's ``X-Checkpoint`` header carries it instead.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from ledger.checkpoints import Checkpoint, CheckpointError

_PDF_FIELD = re.compile(rb"/FundledgerCheckpoint \(([A-Za-z0-9+/=]+)\)")
#: Where a JSON statement's head ends (reports.render.stream_json).
_JSON_LINES = ', "lines": ['
#: How much of a file is read to find its checkpoint (the metadata of a PDF is at its end).
_TAIL = 64 * 1024
_HEAD = 256 * 1024


def checkpoint_of(path: Path) -> Checkpoint:
    """The checkpoint in statement file ``path``; :class:`CheckpointError` says why not."""
    with path.open("rb") as file:
        start = file.read(8)
    if start.startswith(b"%PDF"):
        return _from_pdf(path)
    if start.startswith(b"PK"):
        return _from_xlsx(path)
    if start.lstrip()[:1] == b"{":
        return _from_json(path)
    raise CheckpointError(
        f"{path.name} is not a PDF, XLSX or JSON statement; a CSV carries no checkpoint "
        "(its download's X-Checkpoint header does: give it with --token)"
    )


def _from_pdf(path: Path) -> Checkpoint:
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - _TAIL))
        found = _PDF_FIELD.findall(file.read())
    if not found:
        raise CheckpointError(f"{path.name}: this PDF carries no fundledger checkpoint")
    return Checkpoint.from_token(found[-1].decode("ascii"))


def _from_xlsx(path: Path) -> Checkpoint:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise CheckpointError(f"{path.name} is not a readable XLSX workbook") from None
    try:
        if "About" not in workbook.sheetnames:
            raise CheckpointError(f"{path.name}: the workbook has no About sheet")
        for key, value, *_ in workbook["About"].iter_rows(values_only=True):
            if key == "Checkpoint" and isinstance(value, str):
                return Checkpoint.from_text(value)
    finally:
        workbook.close()
    raise CheckpointError(f"{path.name}: the About sheet has no Checkpoint line")


def _from_json(path: Path) -> Checkpoint:
    with path.open("r", encoding="utf-8", errors="replace") as file:
        text = file.read(_HEAD)
    cut = text.find(_JSON_LINES)
    try:
        head = json.loads(text[:cut] + "}") if cut > 0 else json.loads(path.read_text("utf-8"))
    except ValueError:
        raise CheckpointError(f"{path.name} is not a JSON statement") from None
    document = head.get("checkpoint") if isinstance(head, dict) else None
    if document is None:
        raise CheckpointError(f"{path.name}: this statement carries no checkpoint")
    return Checkpoint.from_json(document)
