"""The installation's evidence-signing key: Ed25519, the private half only in the system keyring.

Every package manifest is signed with it (``manifest.sig`` beside ``manifest.json``), so a package changed and
re-hashed after export no longer verifies, and a package signed by another key shows another fingerprint. The key
belongs to one data folder on one machine (the keyring entry's target is the data folder): ``chronotrace init``
creates it, and a machine that exports without one creates it on first need. Either way the creation is audited
with the public key and its fingerprint, which recipients compare out of band (``chronotrace keys show``).
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chronotrace_desktop.domain.audit import AuditAction
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.export import SIGNATURE_ALGORITHM, key_fingerprint
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.services.access import AuditEvent

if TYPE_CHECKING:
    from chronotrace_desktop.domain.users import Actor
    from chronotrace_desktop.services.access import AuditService
    from chronotrace_desktop.storage.secrets import SecretStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignerInfo:
    """What a package and its report say about the key that signed it."""

    algorithm: str
    public_key: str  # base64 of the raw 32-byte Ed25519 public key
    fingerprint: str

    def as_json(self) -> dict[str, str]:
        return {"algorithm": self.algorithm, "public_key": self.public_key, "fingerprint": self.fingerprint}


def _public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def signer_info(public_key: bytes) -> SignerInfo:
    return SignerInfo(
        SIGNATURE_ALGORITHM, base64.b64encode(public_key).decode("ascii"), key_fingerprint(public_key)
    )


class EvidenceSigner:
    """Signs manifests with this installation's key, creating (and auditing) the key on first need."""

    def __init__(self, secrets: SecretStore, target: str, audit: AuditService) -> None:
        self._secrets = secrets
        self._target = target
        self._audit = audit
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def ensure(self, actor: Actor | None) -> SignerInfo:
        """This installation's signer, creating its key now if the keyring has none (audited)."""
        return signer_info(_public_bytes(self._private(actor)))

    def existing(self) -> SignerInfo | None:
        """The signer if a key is there; never creates one."""
        key = self._load()
        return signer_info(_public_bytes(key)) if key is not None else None

    def sign(self, actor: Actor | None, data: bytes) -> bytes:
        return self._private(actor).sign(data)

    def _private(self, actor: Actor | None) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = self._load() or self._create(actor)
            return self._key

    def _load(self) -> Ed25519PrivateKey | None:
        stored = self._secrets.get(SecretName.SIGNING_KEY, self._target)
        if stored is None:
            return None
        try:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored, validate=True))
        except ValueError as exc:
            raise EnvironmentProblemError(
                f"The evidence-signing key in the keyring for {self._target} is damaged ({exc}); "
                "no package can be signed with it. Restore it from a backup of the keyring."
            ) from None

    def _create(self, actor: Actor | None) -> Ed25519PrivateKey:
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes_raw()
        encoded = base64.b64encode(raw).decode("ascii")
        try:
            self._secrets.set(SecretName.SIGNING_KEY, self._target, encoded)
        except EnvironmentProblemError as exc:
            raise EnvironmentProblemError(
                f"Evidence cannot be signed: {exc} The signing key lives only in the keyring."
            ) from None
        if self._secrets.get(SecretName.SIGNING_KEY, self._target) != encoded:  # e.g. the null keyring
            raise EnvironmentProblemError(
                f"Evidence cannot be signed: the keyring ({self._secrets.backend_name()}) did not keep the "
                "signing key. Install and unlock a system keyring."
            )
        info = signer_info(_public_bytes(key))
        self._audit.record(
            AuditEvent(
                AuditAction.SIGNING_KEY_CREATED,
                actor=actor,
                resource_type="signing_key",
                metadata=info.as_json() | {"keyring_target": self._target},
            )
        )
        logger.info("Created the evidence-signing key %s for %s", info.fingerprint, self._target)
        return key
