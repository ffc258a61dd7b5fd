"""Qt reaches the code through its shims only, and the workers' shim is QtCore only (no widgets)."""

from __future__ import annotations

import ast
from pathlib import Path

import chronotrace_desktop

PACKAGE = Path(chronotrace_desktop.__file__).parent
# ui/qt_media.py holds QtMultimedia apart so that only the player loads the FFmpeg backend; ui/qt_charts.py
# holds QtCharts (PySide6-Addons) apart for the analytics panel.
SHIMS = {
    PACKAGE / "ui" / "qt.py",
    PACKAGE / "ui" / "qt_media.py",
    PACKAGE / "ui" / "qt_charts.py",
    PACKAGE / "workers" / "qt.py",
    PACKAGE / "reports" / "qt.py",
}


def _qt_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {
                alias.name for alias in node.names if alias.name.split(".")[0] in {"PySide6", "shiboken6"}
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {
            "PySide6",
            "shiboken6",
        }:
            found.add(node.module or "")
    return found


def test_only_the_shims_import_qt() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(imports)
        for path in PACKAGE.rglob("*.py")
        if path not in SHIMS and (imports := _qt_imports(path))
    }
    assert offenders == {}


def test_workers_shim_is_qtcore_only() -> None:
    assert _qt_imports(PACKAGE / "workers" / "qt.py") == {"PySide6.QtCore"}


def test_task_state_needs_no_qt() -> None:
    source = (PACKAGE / "workers" / "task_state.py").read_text(encoding="utf-8")
    assert "qt" not in {
        node.module.split(".")[-1]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
