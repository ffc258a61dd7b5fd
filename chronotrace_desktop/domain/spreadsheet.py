"""CSV cells a spreadsheet opens safely: text that starts like a formula is quoted (OWASP "CSV injection")."""

from __future__ import annotations

from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """``value`` as a CSV cell: empty for ``None``, a list joined by ``;``, formula-like text prefixed by ``'``
    (numbers such as ``-1.5`` stay as they are)."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
