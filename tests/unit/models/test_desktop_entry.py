"""``chronotrace install-desktop-entry``: the menu entry and icon in the XDG data folder, running this chronotrace."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chronotrace_desktop.cli.main import main
from chronotrace_desktop.domain.errors import ExitCode
from chronotrace_desktop.resources import ICON_SVG
from chronotrace_desktop.services.desktop_entry import entry_text

PACKAGING = Path(__file__).resolve().parents[3] / "packaging" / "linux"


def test_the_packaging_entry_is_the_installed_one_with_the_command_on_the_path() -> None:
    assert (PACKAGING / "chronotrace.desktop").read_text(encoding="utf-8") == entry_text("chronotrace")
    assert (PACKAGING / "chronotrace.svg").read_bytes() == ICON_SVG.read_bytes()


def test_install_writes_entry_and_icon_under_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["install-desktop-entry", "--user"]) == ExitCode.OK
    entry = tmp_path / "applications" / "chronotrace.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "chronotrace.svg"
    command = Path(sys.executable).parent / "chronotrace"  # this environment's installed script
    assert f"Exec={command} gui\n" in entry.read_text(encoding="utf-8")
    assert icon.read_bytes() == ICON_SVG.read_bytes()
    assert str(entry) in capsys.readouterr().out
    validator = shutil.which("desktop-file-validate")
    if validator is not None:  # desktop-file-utils, where installed
        subprocess.run([validator, str(entry)], check=True)


def test_a_command_path_with_spaces_is_quoted() -> None:
    assert 'Exec="/opt/my apps/chronotrace" gui\n' in entry_text("/opt/my apps/chronotrace")
