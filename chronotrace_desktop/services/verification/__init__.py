"""Checking an evidence package offline (``chronotrace verify``): the package alone, no database, no Qt.

``check`` re-hashes every listed file against ``manifest.json`` and checks the manifest's records; ``signature``
checks the Ed25519 signature over the manifest (``manifest.sig``); ``package`` reads folders and zips defensively.
Standard library, ``cryptography`` and ``domain`` only (an import contract keeps it so), so the light verifier
starts fast and runs where the app's database and media store are not.
"""

from chronotrace_desktop.services.verification.check import verify_package

__all__ = ["verify_package"]
