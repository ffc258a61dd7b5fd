"""Argument types for argparse built from the domain's parsers: a refusal is a usage error naming the cause."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TypeVar

from chronotrace_desktop.domain.errors import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


def checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse ``type=``: its InvalidInputError becomes argparse's own message (exit 2)."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except InvalidInputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert
