"""Changing the installation's settings from the desktop: values to ``settings.json``, secrets to the keyring.

Administrators only; every save is audited with the names of what changed (never a secret's value). The
running app keeps the settings it started with: changes apply at the next start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chronotrace_desktop.config import update_settings_file
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.storage.secrets import SecretStore, secret_target

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from chronotrace_desktop.config import Paths, Settings
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService, Authorizer

logger = logging.getLogger(__name__)

# The settings the desktop dialog edits; everything else stays a command-line matter.
EDITABLE = (
    "profile",
    "database_url",
    "qdrant_url",
    "media_store",
    "s3_bucket",
    "s3_prefix",
    "s3_endpoint_url",
    "s3_region",
    "s3_access_key_id",
    "smtp_host",
    "smtp_port",
    "smtp_from",
    "ingest_detect_interval",
    "ingest_workers",
    "redaction_mode",
)
# Which setting names the target a secret is stored for.
SECRET_TARGETS = {
    SecretName.DATABASE_PASSWORD: "database_url",
    SecretName.QDRANT_API_KEY: "qdrant_url",
    SecretName.S3_SECRET_ACCESS_KEY: "s3_endpoint_url",
    SecretName.SMTP_PASSWORD: "smtp_host",
}


def keyring_target(settings: Settings, name: SecretName) -> str:
    """Where ``name`` is stored for these settings (what it unlocks); the setting it belongs to must be set."""
    value = getattr(settings, SECRET_TARGETS[name])
    if not value:
        raise InvalidInputError(f"set {SECRET_TARGETS[name]} first: the secret is stored for that target")
    return secret_target(name, str(value))


def store_local_secret(name: SecretName, target: str, value: str) -> str:
    """Store a secret in this machine's keyring (``chronotrace config set-secret``, before anyone can sign in);
    returns the keyring backend's name."""
    store = SecretStore()
    store.set(name, target, value)
    return store.backend_name()


@dataclass(frozen=True, slots=True)
class SettingsView:
    values: Mapping[str, Any]
    data_dir: Path
    settings_file: Path
    keyring_available: bool
    keyring_backend: str


class SettingsService:
    def __init__(self, settings: Settings, paths: Paths, authorizer: Authorizer, audit: AuditService) -> None:
        self._settings = settings
        self._paths = paths
        self._authorizer = authorizer
        self._audit = audit
        self._secrets = SecretStore()

    def view(self, actor: Actor) -> SettingsView:
        self._authorizer.require(actor, Action.VIEW_LIBRARY)
        return SettingsView(
            values={name: getattr(self._settings, name) for name in EDITABLE},
            data_dir=self._paths.data_dir,
            settings_file=self._paths.settings_file,
            keyring_available=self._secrets.available(),
            keyring_backend=self._secrets.backend_name(),
        )

    def save(self, actor: Actor, changes: Mapping[str, Any], secrets: Mapping[SecretName, str]) -> list[str]:
        """Write changed values and store secrets; the names changed. Applies at the next start."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="settings")
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InvalidInputError(f"these settings cannot be changed here: {', '.join(sorted(unknown))}")
        try:
            updated = update_settings_file(self._paths, dict(changes)) if changes else self._settings
        except (ValidationError, ValueError) as exc:
            raise InvalidInputError(_first_message(exc)) from None
        stored: list[str] = []
        for name, value in secrets.items():
            if not value:
                continue
            target = getattr(updated, SECRET_TARGETS[name])
            if not target:
                raise InvalidInputError(f"set {SECRET_TARGETS[name]} before storing its {name.value}")
            self._secrets.set(name, secret_target(name, str(target)), value)
            stored.append(name.value)
        changed = sorted(changes) + stored
        self._audit.record(
            AuditEvent(
                AuditAction.SETTINGS_CHANGED,
                actor=actor,
                resource_type="settings",
                metadata={"settings": sorted(changes), "secrets": stored},
            )
        )
        logger.info("%s changed settings %s", actor.email, ", ".join(changed))
        return changed


def _first_message(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error.get("loc", ()))
        return f"{field}: {error['msg']}" if field else str(error["msg"])
    return str(exc)
