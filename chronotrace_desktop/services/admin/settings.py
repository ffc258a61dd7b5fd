"""Changing the installation's settings: values to ``settings.json``, secrets to the keyring.

Administrators only, from the desktop's dialog (:meth:`SettingsService.save`) or ``chronotrace config set``
(:meth:`SettingsService.set_value`). Every change is audited with the names of what changed and the file's
values before and after (settings are never secrets; a secret's value is never recorded, only its name). The
file and its audit row go together: the file is written inside the audit row's transaction and put back as
it was if anything fails before that transaction commits. The running app keeps the settings it started
with: changes apply at the next start.

Before the installation has any user nobody can sign in, so ``config set`` then writes without one
(:func:`bootstrap_setting`): e.g. the team profile's ``database_url`` before ``init``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chronotrace_desktop.config import ENV_PREFIX, Settings, read_settings_file, update_settings_file
from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import AuthenticationError, EnvironmentProblemError, InvalidInputError
from chronotrace_desktop.domain.roles import Action
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.access import AuditEvent
from chronotrace_desktop.services.admin.installation import installation_has_users
from chronotrace_desktop.storage.secrets import SecretStore, secret_target

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from chronotrace_desktop.config import Paths
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
    "embedding_engines",
    "nova_region",
    "nova_profile",
    "nova_access_key_id",
    "nova_model_id",
    "nova_dimension",
    "nova_segment_source",
    "clip_model_dir",
    "search_retention_days",
    "audit_archive_days",
)
# Which setting names the target a secret is stored for.
SECRET_TARGETS = {
    SecretName.DATABASE_PASSWORD: "database_url",
    SecretName.QDRANT_API_KEY: "qdrant_url",
    SecretName.S3_SECRET_ACCESS_KEY: "s3_endpoint_url",
    SecretName.SMTP_PASSWORD: "smtp_host",
    SecretName.BEDROCK_SECRET_ACCESS_KEY: "nova_access_key_id",
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
        return self._write(actor, dict(changes), secrets)[1]

    def set_value(self, actor: Actor, key: str, value: Any) -> Any:
        """Set any one setting in ``settings.json`` (``None`` removes it: the default applies again); the value
        it now has (the environment may still override it). ``chronotrace config set``."""
        actor = self._authorizer.require(actor, Action.MANAGE_DATABASE, resource_type="settings")
        check_setting_name(key)
        return getattr(self._write(actor, {key: value}, {})[0], key)

    def _write(
        self, actor: Actor, changes: dict[str, Any], secrets: Mapping[SecretName, str]
    ) -> tuple[Settings, list[str]]:
        """The file, the keyring and the audit row of one change: the settings as the file now makes them, and
        the names changed."""
        settings_file = self._paths.settings_file
        before_text = settings_file.read_text(encoding="utf-8") if settings_file.is_file() else None
        before = read_settings_file(self._paths)
        try:
            with self._audit.recording() as record:
                try:
                    updated = update_settings_file(self._paths, changes) if changes else self._settings
                except (ValidationError, ValueError) as exc:
                    raise InvalidInputError(_first_message(exc)) from None
                stored = self._store_secrets(updated, secrets)
                after = read_settings_file(self._paths)
                record(
                    AuditEvent(
                        AuditAction.SETTINGS_CHANGED,
                        actor=actor,
                        resource_type="settings",
                        metadata={
                            "settings": sorted(changes),
                            "before": {key: before.get(key) for key in sorted(changes)},
                            "after": {key: after.get(key) for key in sorted(changes)},
                            "secrets": stored,
                        },
                    )
                )
        except BaseException:
            _put_back(self._paths, before_text)
            raise
        changed = sorted(changes) + stored
        logger.info("%s changed settings %s", actor.email, ", ".join(changed))
        return updated, changed

    def _store_secrets(self, updated: Settings, secrets: Mapping[SecretName, str]) -> list[str]:
        stored: list[str] = []
        for name, value in secrets.items():
            if not value:
                continue
            target = getattr(updated, SECRET_TARGETS[name])
            if not target:
                raise InvalidInputError(f"set {SECRET_TARGETS[name]} before storing its {name.value}")
            self._secrets.set(name, secret_target(name, str(target)), value)
            stored.append(name.value)
        return stored


def check_setting_name(key: str) -> None:
    """Raise :class:`InvalidInputError` unless ``key`` is a setting ``config set`` may change."""
    if key not in Settings.model_fields or key == "data_dir":
        raise InvalidInputError(f"unknown setting {key!r}; see 'chronotrace config show'")


def bootstrap_setting(settings: Settings, paths: Paths, key: str, value: Any) -> Any:
    """Set ``key`` without signing in: only while the installation has no user (before ``init``), when there
    is nobody to sign in as and nothing to audit to. Once any user exists an administrator signs in
    (:meth:`SettingsService.set_value`); if the database cannot be reached to tell, that is an error too."""
    check_setting_name(key)
    try:
        has_users = installation_has_users(settings, paths)
    except EnvironmentProblemError as exc:
        raise EnvironmentProblemError(
            f"{exc}. Whether this installation has users cannot be told, so only an administrator may change "
            "its settings (add --user EMAIL); if the database URL itself is wrong, give the right one for "
            f"that command in {ENV_PREFIX}DATABASE_URL."
        ) from exc
    if has_users:
        raise AuthenticationError(
            "This installation has users: settings are changed by an administrator, signed in "
            "(add --user EMAIL)."
        )
    try:
        updated = update_settings_file(paths, {key: value})
    except (ValidationError, ValueError) as exc:
        raise InvalidInputError(_first_message(exc)) from None
    logger.info("Set %s before the installation has users", key)
    return getattr(updated, key)


def _put_back(paths: Paths, text: str | None) -> None:
    """``settings.json`` as it was (``None``: there was none)."""
    if text is None:
        paths.settings_file.unlink(missing_ok=True)
        return
    tmp = paths.settings_file.with_suffix(".json.restore")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(paths.settings_file)


def _first_message(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error.get("loc", ()))
        return f"{field}: {error['msg']}" if field else str(error["msg"])
    return str(exc)
