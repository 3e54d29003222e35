"""Reading an uploaded file whole, within the size the request limits already allow."""

from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import FileStorage

from ledger.errors import Invalid


def read_upload(upload: FileStorage | None, *, text: bool = False, field: str = "file"):
    """The bytes (or, with ``text``, the UTF-8 text) of ``upload``; :class:`Invalid` naming
    ``field`` when it is missing, too large or not UTF-8."""
    if upload is None:
        raise Invalid.field(field, f"upload the file as multipart field {field!r}")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise Invalid.field(field, f"is larger than {limit // (1024 * 1024)} MiB")
    if not text:
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.field(field, "is not UTF-8 text") from None
