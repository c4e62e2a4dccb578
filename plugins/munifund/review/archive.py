"""A reproducible zip: the same content always gives the same bytes.

An .xlsx is a zip whose entries carry the time they were written; rewriting every entry with
one fixed time (the run's publication), fixed permissions and one compression makes the
workbook's bytes depend on its content only.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping


def reproducible_zip(
    package: bytes, stamp: dt.datetime, replace: Mapping[str, bytes] | None = None
) -> bytes:
    """``package`` rewritten entry by entry, in the same order, each dated ``stamp``.

    ``stamp`` is taken as wall time (zip entries hold no zone). An entry named in ``replace``
    is written with those bytes instead of its own.
    """
    replace = replace or {}
    date_time = stamp.replace(tzinfo=None).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            payload = replace.get(item.filename)
            if payload is None:
                payload = src.read(item)
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, payload)
    return out.getvalue()
