"""Identifiers and one-line names people type: camera ids, zone names, case ids, locations.

They reach e-mail headers, file names, PDF reports, audit rows and log lines. A line break (even a trailing
one), a NUL, an escape, a bidirectional override or a line separator in one breaks or forges those, so every
place that takes such a value refuses control characters: Unicode categories Cc (controls), Cf (format),
Zl and Zp (line and paragraph separators). Values stored before the check are put on one line where they are
written out (:func:`one_line`).
"""

from __future__ import annotations

import unicodedata

from chronotrace_desktop.domain.errors import InvalidInputError

CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
REPLACEMENT = "\ufffd"


def control_character(text: str) -> str | None:
    """The first control, format, line- or paragraph-separator character of ``text``, or ``None``."""
    return next((c for c in text if unicodedata.category(c) in CONTROL_CATEGORIES), None)


def check_identifier(field: str, value: str) -> str:
    """``value`` as given; :class:`InvalidInputError` naming ``field`` if it holds a control character."""
    found = control_character(value)
    if found is not None:
        raise InvalidInputError(
            f"{field} {value!r} contains a control character (U+{ord(found):04X}): "
            "use letters, digits, punctuation and spaces on one line"
        )
    return value


def one_line(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD, for a header or any other one-line output."""
    return "".join(REPLACEMENT if unicodedata.category(c) in CONTROL_CATEGORIES else c for c in text)


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped (``\\x1b``, ``\\n``...), for a terminal (where
    :func:`one_line` is for headers): a package's names and JSON come from whoever made the package and must not
    move the cursor, clear the screen or forge lines."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
