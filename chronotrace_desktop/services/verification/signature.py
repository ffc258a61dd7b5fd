"""The manifest's signature: ``manifest.sig`` names an Ed25519 public key and signs ``manifest.json``'s exact bytes."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chronotrace_desktop.domain.export import (
    MANIFEST_NAME,
    SIGNATURE_ALGORITHM,
    SIGNATURE_FORMAT,
    SIGNATURE_NAME,
    ProblemKind,
    VerifyProblem,
    key_fingerprint,
    normalise_fingerprint,
)
from chronotrace_desktop.services.verification.package import READ_ERRORS

if TYPE_CHECKING:
    from chronotrace_desktop.services.verification.package import Package


def _b64(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def check_signature(
    package: Package, data: dict[str, Any], manifest: bytes, required_key: str | None
) -> tuple[str | None, VerifyProblem | None]:
    """The fingerprint of the key whose signature over the manifest verifies, or the problem."""

    def problem(detail: str) -> tuple[None, VerifyProblem]:
        return None, VerifyProblem(ProblemKind.SIGNATURE, SIGNATURE_NAME, detail)

    try:
        with package.open(SIGNATURE_NAME) as handle:
            document = json.loads(handle.read().decode("utf-8"))
    except (KeyError, FileNotFoundError):
        return problem("the package is not signed: anyone could have written its manifest")
    except READ_ERRORS as exc:
        return problem(f"cannot be read ({exc})")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return problem(f"not valid JSON ({exc}): it was damaged or changed")
    if not isinstance(document, dict) or document.get("format") != SIGNATURE_FORMAT:
        return problem("not a ChronoTrace manifest signature")
    if document.get("algorithm") != SIGNATURE_ALGORITHM or document.get("signed_file") != MANIFEST_NAME:
        return problem(
            f"signs {document.get('signed_file')!r} with {document.get('algorithm')!r}, not the manifest"
        )
    public, signature = _b64(document.get("public_key")), _b64(document.get("signature"))
    if public is None or len(public) != 32 or signature is None:
        return problem("no valid Ed25519 public key and signature recorded")
    fingerprint = key_fingerprint(public)
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, manifest)
    except (InvalidSignature, ValueError):
        return problem(
            f"the signature of key {fingerprint} does not match the manifest: the manifest was changed after "
            "it was signed, or the signature was forged"
        )
    signer = data.get("signer")
    if not isinstance(signer, dict) or signer.get("public_key") != document.get("public_key"):
        return problem(f"the manifest does not name key {fingerprint} as its signer")
    if required_key is not None:
        wanted = normalise_fingerprint(required_key)
        if len(wanted) < 16 or not normalise_fingerprint(fingerprint).startswith(wanted):
            return problem(f"signed by key {fingerprint}, not by the required key {required_key}")
    return fingerprint, None
