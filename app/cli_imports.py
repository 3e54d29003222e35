"""``fundledger import …``: spreadsheets (CSV or XLSX) loaded through the same services."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import awards or historical receipts and payments from CSV or XLSX."""
