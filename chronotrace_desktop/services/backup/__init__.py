"""Backup and restore of a whole installation: database dump, vector snapshot, settings, manifest of hashes.

``BackupService`` backs up the open installation (``pg_dump -Fc``, a snapshot per vector collection, the
settings, optionally the media, a manifest with every file's SHA-256), rotates the folder (7 daily, 4 weekly,
12 monthly) and lists or restores backups; ``restore_installation`` builds a new installation from one, after
checking every hash, where no installation is open (the command line).
"""

from chronotrace_desktop.services.backup.listing import BackupEntry
from chronotrace_desktop.services.backup.manifest import Manifest, verify_backup
from chronotrace_desktop.services.backup.restore import RestoreResult, SignIn, restore_installation
from chronotrace_desktop.services.backup.rotation import RotationPlan, backup_name, backup_time, plan_rotation
from chronotrace_desktop.services.backup.secrets_note import NOT_INCLUDED
from chronotrace_desktop.services.backup.service import BackupResult, BackupService
from chronotrace_desktop.services.backup.team import TeamTarget

__all__ = [
    "NOT_INCLUDED",
    "BackupEntry",
    "BackupResult",
    "BackupService",
    "Manifest",
    "RestoreResult",
    "RotationPlan",
    "SignIn",
    "TeamTarget",
    "backup_name",
    "backup_time",
    "plan_rotation",
    "restore_installation",
    "verify_backup",
]
