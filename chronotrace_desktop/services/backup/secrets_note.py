"""What a backup leaves out on purpose, and what the person restoring it has to put back.

Secrets live in the system keyring, never in a setting, so no backup holds one. The evidence-signing key is
not exported either (not even encrypted): a restored installation makes a new key on its first export, with a
new fingerprint to give recipients; packages signed before carry their signer's public key and still verify.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.config import Profile
from chronotrace_desktop.domain.secrets import SecretName

if TYPE_CHECKING:
    from chronotrace_desktop.config import Settings

NOT_INCLUDED = (
    "keyring secrets (database, Qdrant, S3, SMTP and Bedrock passwords and keys)",
    "the evidence-signing key (a restored installation signs with a new key and fingerprint)",
)

SIGNING_KEY_NOTE = (
    "evidence-signing key: a new one is made on the first export (new fingerprint: "
    "'chronotrace keys show', tell recipients); packages signed before still verify with their key"
)


def secrets_to_reenter(settings: Settings) -> tuple[str, ...]:
    """The keyring entries the restored installation's settings need, as ``config set-secret`` names."""
    needed: list[str] = []
    team = settings.profile is Profile.TEAM
    if team and settings.qdrant_url:
        needed.append(f"{SecretName.QDRANT_API_KEY.value} (for {settings.qdrant_url})")
    if team and settings.media_store == "s3" and settings.s3_endpoint_url and settings.s3_access_key_id:
        needed.append(f"{SecretName.S3_SECRET_ACCESS_KEY.value} (for {settings.s3_endpoint_url})")
    if settings.smtp_host and settings.smtp_username:
        needed.append(f"{SecretName.SMTP_PASSWORD.value} (for {settings.smtp_host})")
    if "nova" in settings.embedding_engines and settings.nova_access_key_id:
        needed.append(f"{SecretName.BEDROCK_SECRET_ACCESS_KEY.value} (for key {settings.nova_access_key_id})")
    if team:
        needed.append(
            "database logins of the other users: an administrator issues new ones "
            "('chronotrace users db-login --email E')"
        )
    needed.append(SIGNING_KEY_NOTE)
    return tuple(needed)
