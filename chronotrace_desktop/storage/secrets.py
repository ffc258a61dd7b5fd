"""Secrets (database password, Qdrant API key, S3 secret key) live in the system keyring, nowhere else.

Each secret is stored under the service ``ChronoTrace`` with a user name ``<secret>@<target>``, where the
target is what the secret unlocks (e.g. the database URL without password), so two servers never share
an entry.
"""

from __future__ import annotations

import logging
import os

import keyring
import keyring.errors
from sqlalchemy import make_url

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.secrets import SecretName

logger = logging.getLogger(__name__)

KEYRING_SERVICE = "ChronoTrace"


def secret_target(name: SecretName, setting_value: str) -> str:
    """The keyring target of ``name`` for the setting it belongs to: the database URL as the app connects
    with it (psycopg driver, no password), else the setting's value as it is (Qdrant URL, SMTP host...)."""
    if name is SecretName.DATABASE_PASSWORD:
        return (
            make_url(setting_value).set(drivername="postgresql+psycopg").render_as_string(hide_password=True)
        )
    return setting_value


# File backends keep secrets in plain text: acceptable only when chosen on purpose (tests), never by default.
_PLAINTEXT_BACKENDS = ("keyrings.alt.file.PlaintextKeyring", "keyrings.alt.file.EncryptedKeyring")


class SecretStore:
    """A thin, typed front to :mod:`keyring` that turns a missing backend into a readable error."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    @staticmethod
    def _entry(name: SecretName, target: str) -> str:
        return f"{name.value}@{target}"

    def _check_backend(self) -> None:
        backend = self.backend_name()
        if backend in _PLAINTEXT_BACKENDS and not os.environ.get("PYTHON_KEYRING_BACKEND"):
            raise keyring.errors.NoKeyringError(f"only a plaintext keyring ({backend}) is available")

    def get(self, name: SecretName, target: str) -> str | None:
        try:
            self._check_backend()
            return keyring.get_password(self.service, self._entry(name, target))
        except keyring.errors.NoKeyringError:
            logger.warning("No keyring backend: %s for %s cannot be read", name.value, target)
            return None
        except keyring.errors.KeyringError as exc:
            raise EnvironmentProblemError(f"The keyring could not be read: {exc}") from exc

    def set(self, name: SecretName, target: str, value: str) -> None:
        try:
            self._check_backend()
            keyring.set_password(self.service, self._entry(name, target), value)
        except keyring.errors.NoKeyringError as exc:
            raise EnvironmentProblemError(
                "No system keyring is available to store the secret. Install and unlock one "
                "(e.g. GNOME Keyring or KWallet), or choose a backend with PYTHON_KEYRING_BACKEND."
            ) from exc
        except keyring.errors.KeyringError as exc:
            raise EnvironmentProblemError(f"The keyring refused to store the secret: {exc}") from exc

    def delete(self, name: SecretName, target: str) -> None:
        try:
            self._check_backend()
            keyring.delete_password(self.service, self._entry(name, target))
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.NoKeyringError:
            return
        except keyring.errors.KeyringError as exc:
            raise EnvironmentProblemError(f"The keyring refused to delete the secret: {exc}") from exc

    def available(self) -> bool:
        """Whether a secure backend (or one chosen explicitly) can hold secrets."""
        try:
            self._check_backend()
        except keyring.errors.KeyringError:
            return False
        backend = self.backend_name().lower()
        return "fail" not in backend and ".null." not in backend  # the null keyring drops what it is given

    def backend_name(self) -> str:
        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"
