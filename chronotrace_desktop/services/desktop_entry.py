"""The freedesktop.org menu entry and icon: written into the XDG data folders for the installed ``chronotrace``.

``packaging/linux/chronotrace.desktop`` is the same entry with a bare ``chronotrace`` as its command (for a
distribution's package, where the command is on the PATH); a unit test keeps the two equal.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.resources import ICON_SVG

ENTRY_FILE = "chronotrace.desktop"
ICON_NAME = "chronotrace"
SYSTEM_DATA_HOME = Path("/usr/local/share")

_ENTRY = """\
[Desktop Entry]
Type=Application
Version=1.0
Name=ChronoTrace
GenericName=CCTV evidence workstation
Comment=Ingest, search, review and export CCTV evidence
Exec={command} gui
TryExec={try_exec}
Icon={icon}
Terminal=false
Categories=AudioVideo;Video;
Keywords=CCTV;evidence;video;investigation;
"""


@dataclass(frozen=True, slots=True)
class InstalledEntry:
    entry: Path
    icon: Path
    command: Path


def user_data_home() -> Path:
    """``$XDG_DATA_HOME``, else ``~/.local/share`` (the XDG base directory default)."""
    configured = os.environ.get("XDG_DATA_HOME", "").strip()
    return (
        Path(configured)
        if configured and Path(configured).is_absolute()
        else Path.home() / ".local" / "share"
    )


def installed_command() -> Path:
    """The ``chronotrace`` being run: the bundle's executable, else the script beside this Python (a pipx or
    virtual environment), else the one on the PATH."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve()
    beside = Path(sys.executable).parent / "chronotrace"
    if beside.is_file():
        return beside
    found = shutil.which("chronotrace")
    if found is None:
        raise EnvironmentProblemError(
            "no installed 'chronotrace' command was found beside this Python or on the PATH; install the package "
            "(pipx install) first"
        )
    return Path(found)


def entry_text(command: str) -> str:
    """The entry running ``command`` (quoted as the Desktop Entry specification asks when it has spaces)."""
    quoted = f'"{command}"' if any(c in command for c in ' \t"`$\\') else command
    return _ENTRY.format(command=quoted, try_exec=command, icon=ICON_NAME)


def install_desktop_entry(data_home: Path | None = None, command: Path | None = None) -> InstalledEntry:
    """Write the entry (``applications/``) and the scalable icon (``icons/hicolor/scalable/apps/``)."""
    home = user_data_home() if data_home is None else data_home
    program = installed_command() if command is None else command
    entry = home / "applications" / ENTRY_FILE
    icon = home / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        icon.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ICON_SVG, icon)
        staged = entry.with_name(f".{ENTRY_FILE}.tmp")
        staged.write_text(entry_text(str(program)), encoding="utf-8")
        staged.chmod(0o644)
        staged.replace(entry)
    except OSError as exc:
        raise EnvironmentProblemError(f"cannot write the desktop entry under {home}: {exc.strerror}") from exc
    return InstalledEntry(entry, icon, program)
