"""Bedrock failures sorted by blame: retry, the environment's fault, or the input's.

Codes are those ``bedrock-runtime`` ``InvokeModel`` documents. Messages name the cause and the fix; they never
carry credentials or the request body (only the service's own message, which echoes neither).
"""

from __future__ import annotations

from typing import Final

from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    TokenRetrievalError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError, UserFacingError

RETRYABLE_CODES: Final = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
        "InternalServerException",
        "ModelTimeoutException",
    }
)
"""Transient by Bedrock's own description: worth another attempt after a pause."""

TRANSPORT_ERRORS: Final = (BotoConnectionError, HTTPClientError)
"""No answer at all: connection refused or reset, connect or read timeout, a response cut short."""

CREDENTIAL_ERRORS: Final = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    TokenRetrievalError,
)

_CREDENTIALS_FIX = (
    "set nova_profile to a profile in ~/.aws, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or store the keys in "
    "the keyring"
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def service_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")).strip() or error_code(exc)


def classify(exc: ClientError, model_id: str, region: str) -> UserFacingError:
    """The product's error for a call Bedrock refused (not to be retried)."""
    code = error_code(exc)
    message = service_message(exc)
    if code == "ValidationException":
        return InvalidInputError(f"Amazon Nova refused the input: {message}")
    if code == "AccessDeniedException":
        return EnvironmentProblemError(
            f"Amazon Nova: access denied to {model_id} in {region} ({message}). Enable model access for it in the "
            f"Bedrock console for region {region}, and allow bedrock:InvokeModel to these credentials."
        )
    if code in {"UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"}:
        return EnvironmentProblemError(
            f"Amazon Nova: the AWS credentials were not accepted ({code}: {message}). Renew them, or "
            f"{_CREDENTIALS_FIX}."
        )
    if code == "ResourceNotFoundException":
        return EnvironmentProblemError(
            f"Amazon Nova: model {model_id} was not found in {region} ({message}). Check nova_model_id and "
            f"nova_region (the model must be offered there), and enable model access in the Bedrock console for "
            f"region {region}."
        )
    if code == "ServiceQuotaExceededException":
        return EnvironmentProblemError(
            f"Amazon Nova: the account's Bedrock quota is used up in {region} ({message}). Ask AWS for a higher "
            "quota or wait for it to reset."
        )
    return EnvironmentProblemError(f"Amazon Nova failed in {region} ({code or 'unknown error'}: {message}).")


def no_credentials(exc: Exception) -> EnvironmentProblemError:
    return EnvironmentProblemError(
        f"Amazon Nova: no usable AWS credentials ({type(exc).__name__}). To fix: {_CREDENTIALS_FIX}."
    )


def gave_up(what: str, attempts: int, seconds: float, model_id: str, region: str) -> EnvironmentProblemError:
    """The error once transient failures outlasted every attempt."""
    if what == "ThrottlingException":
        return EnvironmentProblemError(
            f"Amazon Nova kept throttling the calls to {model_id} in {region} ({attempts} attempts over "
            f"{seconds:.0f} s). Embed fewer segments at once (fewer ingest workers) or ask AWS for a higher "
            "Bedrock quota; the segments not yet embedded are embedded on the next run."
        )
    return EnvironmentProblemError(
        f"Amazon Nova in {region} did not answer ({what}) after {attempts} attempts over {seconds:.0f} s. Check "
        "the network and the AWS Health Dashboard; the segments not yet embedded are embedded on the next run."
    )
