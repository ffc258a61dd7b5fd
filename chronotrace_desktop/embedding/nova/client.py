"""Building the boto3 ``bedrock-runtime`` client, and the engine on it, from the settings' plain values.

Credentials come from the keyring when the caller has them (an access key id and secret), else from boto3's own
chain: the named profile in ``~/.aws``, the environment, an instance role. They are handed to boto3 and never
logged. Timeouts: 10 s to connect, 120 s to read (a 15 s clip is uploaded and embedded in one call). botocore's
own retries are off (one attempt per call): ``NovaEngine`` retries with backoff itself, so attempts stay
bounded and countable instead of multiplying.
"""

from __future__ import annotations

from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, NoRegionError, ProfileNotFound

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.embedding.nova.engine import NovaEngine

CONNECT_TIMEOUT_S: Final = 10
READ_TIMEOUT_S: Final = 120


def client_config() -> Config:
    return Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "total_max_attempts": 1},
        tcp_keepalive=True,
        user_agent_extra="ChronoTrace",
    )


def make_bedrock_client(
    region: str | None, profile: str | None, credentials: tuple[str, str] | None = None
) -> Any:
    """A ``bedrock-runtime`` client; ``EnvironmentProblemError`` naming the setting to fix when it cannot be
    made (unknown profile, no region)."""
    try:
        if credentials is not None:
            access_key_id, secret = credentials
            session = boto3.Session(
                aws_access_key_id=access_key_id, aws_secret_access_key=secret, region_name=region
            )
        else:
            session = boto3.Session(profile_name=profile, region_name=region)
        return session.client("bedrock-runtime", config=client_config())
    except ProfileNotFound:
        raise EnvironmentProblemError(
            f"The AWS profile {profile!r} (setting nova_profile) is not in ~/.aws/config or ~/.aws/credentials: "
            "add it (aws configure --profile NAME) or clear nova_profile to use the default credentials."
        ) from None
    except NoRegionError:
        raise EnvironmentProblemError(
            "No AWS region for Amazon Nova: set nova_region (e.g. chronotrace config set nova_region us-east-1), "
            "AWS_REGION, or a region in the AWS profile."
        ) from None
    except BotoCoreError as exc:
        raise EnvironmentProblemError(f"The Bedrock client cannot be made: {type(exc).__name__}.") from exc


def make_nova_engine(
    region: str | None,
    profile: str | None,
    model_id: str,
    dimension: int,
    credentials: tuple[str, str] | None = None,
) -> NovaEngine:
    """The engine for the settings ``nova_region``, ``nova_profile``, ``nova_model_id``, ``nova_dimension``
    (and keys from the keyring, if any). Makes no call: ``doctor`` does a dry embedding to check access."""
    return NovaEngine(
        make_bedrock_client(region, profile, credentials), model_id=model_id, dimension=dimension
    )
