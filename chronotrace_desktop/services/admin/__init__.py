"""Running the installation: users, settings and secrets, database maintenance, installation facts."""

from chronotrace_desktop.services.admin.installation import (
    InstallationInfo,
    InstallationService,
    OwnerCredentials,
    initialise_team,
    installation_has_users,
    owner_url,
)
from chronotrace_desktop.services.admin.maintenance import OWNER_PASSWORD_HINT, MaintenanceService
from chronotrace_desktop.services.admin.s3_access import role_policy
from chronotrace_desktop.services.admin.settings import (
    SECRET_TARGETS,
    SettingsService,
    SettingsView,
    bootstrap_setting,
    check_setting_name,
    keyring_target,
    store_local_secret,
)
from chronotrace_desktop.services.admin.users import UserService

__all__ = [
    "OWNER_PASSWORD_HINT",
    "SECRET_TARGETS",
    "InstallationInfo",
    "InstallationService",
    "MaintenanceService",
    "OwnerCredentials",
    "SettingsService",
    "SettingsView",
    "UserService",
    "bootstrap_setting",
    "check_setting_name",
    "initialise_team",
    "installation_has_users",
    "keyring_target",
    "owner_url",
    "role_policy",
    "store_local_secret",
]
