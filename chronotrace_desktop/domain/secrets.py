"""The secrets the installation keeps in the system keyring, by name (never their values)."""

from __future__ import annotations

from enum import StrEnum


class SecretName(StrEnum):
    DATABASE_PASSWORD = "database-password"
    QDRANT_API_KEY = "qdrant-api-key"
    S3_SECRET_ACCESS_KEY = "s3-secret-access-key"
    SMTP_PASSWORD = "smtp-password"
    BEDROCK_SECRET_ACCESS_KEY = (
        "bedrock-secret-access-key"  # with setting nova_access_key_id; else boto3's chain
    )
    SIGNING_KEY = "evidence-signing-key"  # this installation's Ed25519 private key, per data folder
