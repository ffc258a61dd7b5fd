"""Build step only (the project's metadata is in pyproject.toml): a built wheel carries the migrations.

The numbered SQL files stay at the repository's root (``sql/``, where they are written and reviewed); building
a wheel copies them into ``chronotrace_desktop/storage/sql``, where ``storage.migrations`` reads them first. An
editable install reads the checkout's ``sql/`` in place, so nothing is copied for it.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MIGRATIONS = ROOT / "sql"
PACKAGED_MIGRATIONS = Path("chronotrace_desktop", "storage", "sql")


class BuildWithMigrations(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / PACKAGED_MIGRATIONS
        target.mkdir(parents=True, exist_ok=True)
        for script in sorted(MIGRATIONS.glob("*.sql")):
            self.copy_file(str(script), str(target / script.name))


setup(cmdclass={"build_py": BuildWithMigrations})
