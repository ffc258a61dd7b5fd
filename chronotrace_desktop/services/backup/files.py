"""Plain files of a backup: the settings (never a secret: those live in the keyring) and the media folder."""

from __future__ import annotations

import json
import os
import shutil
from typing import TYPE_CHECKING, Any

from chronotrace_desktop.config import owner_only, read_settings_file
from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from chronotrace_desktop.config import Paths, Settings

SETTINGS = "settings.json"
MEDIA = "media"
# Where the installation is, not what it is: a restored one lives in its own folder.
_NOT_CARRIED = ("data_dir",)
_WHERE = ("profile", "database_name", "database_url", "qdrant_url", "vector_collection", "media_store")


def write_settings(paths: Paths, settings: Settings, folder: Path) -> Path:
    """``settings.json`` as the installation's file says it (no environment, no defaults, no secret), plus
    where its stores are as it runs now (a flag or the environment may have said so)."""
    values = {k: v for k, v in read_settings_file(paths).items() if k not in _NOT_CARRIED}
    live = settings.model_dump(mode="json", include=set(_WHERE))
    values.update({k: v for k, v in live.items() if v is not None})
    target = folder / SETTINGS
    target.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def read_backup_settings(folder: Path) -> dict[str, Any]:
    try:
        values = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"the backup's {SETTINGS} cannot be read ({exc})") from exc
    if not isinstance(values, dict):
        raise InvalidInputError(f"the backup's {SETTINGS} is not a JSON object")
    return {k: v for k, v in values.items() if k not in _NOT_CARRIED}


def copy_tree(source: Path, target: Path, check: Callable[[], None]) -> int:
    """Copy every file under ``source`` to the same place under ``target`` (owner-only); how many."""
    if not source.is_dir():
        return 0
    copied = 0
    try:
        for path in sorted(source.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            check()
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(path, destination)
            if os.name == "posix":
                destination.chmod(0o600)
            copied += 1
    except OSError as exc:
        raise EnvironmentProblemError(f"copying the media from {source} to {target} failed: {exc}") from exc
    owner_only(target) if target.exists() else None
    return copied
