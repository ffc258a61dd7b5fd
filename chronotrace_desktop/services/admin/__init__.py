"""Running the installation: users, settings and secrets, database maintenance, installation facts."""

from chronotrace_desktop.services.admin.installation import InstallationInfo, InstallationService
from chronotrace_desktop.services.admin.maintenance import MaintenanceService
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
    "SECRET_TARGETS",
    "InstallationInfo",
    "InstallationService",
    "MaintenanceService",
    "SettingsService",
    "SettingsView",
    "UserService",
    "bootstrap_setting",
    "check_setting_name",
    "keyring_target",
    "role_policy",
    "store_local_secret",
]
