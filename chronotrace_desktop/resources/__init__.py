"""Files the application reads at run time that are not code, shipped inside the package (a wheel, a bundle).

The migrations are not here: ``storage.migrations`` finds them (the checkout's ``sql/``, copied into the package
when a wheel is built). Nothing here imports anything: the user interface and the command line both read it.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
ICON_SVG = RESOURCES_DIR / "chronotrace.svg"
