"""The bundle's entry point: the same ``chronotrace`` command as the package's console script."""

from __future__ import annotations

import multiprocessing
import sys

from chronotrace_desktop.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
