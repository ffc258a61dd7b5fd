"""Per-role S3 keys (``chronotrace s3 policy``) against moto's server with IAM enforcement switched on.

``INITIAL_NO_AUTH_ACTION_COUNT=3``: the first three requests (make a setup IAM user, give it every right, make
its key) go unchecked; every later request is signed and checked against the caller's IAM policies. The
setup key then makes the bucket, the objects of one ingested segment and one IAM user per app role with the
policy the product builds; real boto3 clients and the product's own ``S3BlobStore`` use those users' keys.
Conditions are not evaluated by moto (the ``s3:prefix`` one on listing), nor does it map ``HeadBucket`` to
``s3:ListBucket`` as AWS does, so ``doctor``'s bucket check is not exercised with a role's key here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from chronotrace_desktop.config import RedactionMode
from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.domain.roles import PERMISSIONS, Action, Role
from chronotrace_desktop.services.admin import role_policy
from chronotrace_desktop.services.media_access import rendition_key
from chronotrace_desktop.storage.blobs_s3 import S3BlobStore, S3Location, make_s3_client
from tests.conftest import scratch_dir
from tests.integration.conftest import wait_for_port
from tests.integration.test_alert_mail_security import free_port

BUCKET = "chronotrace-roles"
PREFIX = "media/"
REGION = "us-east-1"
VIDEO = uuid.UUID("0b9b6c1e-5d7a-4f3e-9a51-2c4d8e7f6a10")
CUT = f"{VIDEO}/segments/0000.mp4"  # services/ingest/segments.py: the original cut ...
THUMBNAIL = f"{VIDEO}/thumbnails/0000.jpg"  # ... its unredacted thumbnail ...
REDACTED_THUMBNAIL = f"{VIDEO}/thumbnails/0000.redacted.jpg"  # ... and the redacted one
RENDITION = rendition_key(VIDEO, 0, RedactionMode.HEADS)  # services/media_access.py
UPPER_BODY_THUMBNAIL = f"{VIDEO}/thumbnails/0000.redacted.upper_body.0123456789ab.jpg"
ORIGINALS = (CUT, THUMBNAIL)
REDACTED = (REDACTED_THUMBNAIL, RENDITION)
# A refusal as the product words it: boto3's download starts with a HEAD, whose 403 has no body to name the code.
REFUSED = "(AccessDenied|403: Forbidden)"


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class Moto:
    endpoint: str
    setup: Key
    made: dict[tuple[Role, RedactionMode], Key] = field(default_factory=dict)

    def client(self, key: Key, service: str = "s3") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
        )

    def user_with_policy(self, name: str, policy: dict[str, Any]) -> Key:
        iam = self.client(self.setup, "iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="chronotrace-media", PolicyDocument=json.dumps(policy))
        made = iam.create_access_key(UserName=name)["AccessKey"]
        return Key(made["AccessKeyId"], made["SecretAccessKey"])

    def role_key(self, role: Role, mode: RedactionMode = RedactionMode.HEADS) -> Key:
        """The key of one IAM user per role and mode, made on first use with the product's policy."""
        if (role, mode) not in self.made:
            policy = role_policy(role, BUCKET, PREFIX, redaction_mode=mode)
            self.made[role, mode] = self.user_with_policy(f"{role.value}-{mode.value}", policy)
        return self.made[role, mode]


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"},
    )
    try:
        wait_for_port(port, server, "moto_server")
        endpoint = f"http://127.0.0.1:{port}"
        anyone = Key("AKIAUNCHECKED0000000", "unchecked")  # the three unchecked requests
        iam = Moto(endpoint, anyone).client(anyone, "iam")
        iam.create_user(UserName="setup")
        everything = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="setup", PolicyName="all", PolicyDocument=json.dumps(everything))
        made = iam.create_access_key(UserName="setup")["AccessKey"]
        server_ = Moto(endpoint, Key(made["AccessKeyId"], made["SecretAccessKey"]))
        s3 = server_.client(server_.setup)
        s3.create_bucket(Bucket=BUCKET)
        for key in (*ORIGINALS, *REDACTED):
            s3.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=f"content of {key}".encode())
        yield server_
    finally:
        server.terminate()
        server.wait(timeout=10)


def _refused(call: Any, **kwargs: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(Bucket=BUCKET, **kwargs)
    return str(caught.value.response["Error"]["Code"])


def _read(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=PREFIX + key)["Body"].read())


def _store(moto: Moto, key: Key) -> S3BlobStore:
    client = make_s3_client(
        endpoint_url=moto.endpoint,
        region=REGION,
        access_key_id=key.access_key_id,
        secret_access_key=key.secret_access_key,
    )
    return S3BlobStore(client, S3Location(BUCKET, PREFIX, moto.endpoint), scratch_dir("s3-role-cache-"))


def test_unchecked_requests_are_used_up(moto: Moto) -> None:
    """The enforcement is on: a key moto does not know is refused (else the tests below would prove nothing)."""
    stranger = moto.client(Key("AKIAUNCHECKED0000000", "unchecked"))
    assert _refused(stranger.get_object, Key=PREFIX + RENDITION) in {"InvalidAccessKeyId", "AccessDenied"}


def test_a_viewers_key_reads_redacted_media_only(moto: Moto) -> None:
    s3 = moto.client(moto.role_key(Role.VIEWER))
    for key in REDACTED:
        assert _read(s3, key) == f"content of {key}".encode()
    for key in ORIGINALS:
        assert _refused(s3.get_object, Key=PREFIX + key) == "AccessDenied", key
        assert _refused(s3.head_object, Key=PREFIX + key) == "403", key
    for key in (*ORIGINALS, *REDACTED, UPPER_BODY_THUMBNAIL):
        assert _refused(s3.put_object, Key=PREFIX + key, Body=b"forged") == "AccessDenied", key
        assert _refused(s3.delete_object, Key=PREFIX + key) == "AccessDenied", key
    setup = moto.client(moto.setup)
    assert all(_read(setup, key) == f"content of {key}".encode() for key in (*ORIGINALS, *REDACTED))


def test_the_products_store_on_a_viewers_key_refuses_originals(moto: Moto) -> None:
    store = _store(moto, moto.role_key(Role.VIEWER))
    assert store.readable(RENDITION).read_bytes() == f"content of {RENDITION}".encode()
    assert store.exists(REDACTED_THUMBNAIL)
    assert not store.exists(UPPER_BODY_THUMBNAIL)  # a missing redacted key is "not there", not a failure
    for key in ORIGINALS:
        with pytest.raises(EnvironmentProblemError, match=rf"could not deliver {key}: {REFUSED}"):
            store.readable(key)
        assert not store.path(key).exists()
    with (
        pytest.raises(EnvironmentProblemError, match=r"could not store .*AccessDenied"),
        store.writing(CUT) as tmp,
    ):
        tmp.write_bytes(b"forged cut")
    with pytest.raises(EnvironmentProblemError, match=r"could not delete .*AccessDenied"):
        store.delete(REDACTED_THUMBNAIL)


def test_in_upper_body_mode_a_viewer_writes_only_derived_thumbnails(moto: Moto) -> None:
    store = _store(moto, moto.role_key(Role.VIEWER, RedactionMode.UPPER_BODY))
    with store.writing(UPPER_BODY_THUMBNAIL) as tmp:  # what MediaAccessService does on a first view
        tmp.write_bytes(b"upper bodies blurred")
    assert store.exists(UPPER_BODY_THUMBNAIL)
    for key in (*ORIGINALS, *REDACTED):
        with pytest.raises(EnvironmentProblemError, match=REFUSED), store.writing(key) as tmp:
            tmp.write_bytes(b"forged")
    with pytest.raises(EnvironmentProblemError, match=REFUSED):
        _store(moto, moto.role_key(Role.VIEWER, RedactionMode.UPPER_BODY)).readable(CUT)


def test_an_analysts_key_reads_writes_and_deletes_originals(moto: Moto) -> None:
    store = _store(moto, moto.role_key(Role.ANALYST))
    for key in (*ORIGINALS, *REDACTED):
        assert store.readable(key).read_bytes() == f"content of {key}".encode()
    new_cut = f"{VIDEO}/segments/0001.mp4"
    with store.writing(new_cut) as tmp:
        tmp.write_bytes(b"second cut")
    assert f"{VIDEO}/segments/0001.mp4" in store.keys(str(VIDEO))
    store.delete(new_cut)
    assert not _store(moto, moto.role_key(Role.ADMIN)).exists(new_cut)


def test_an_api_users_key_ingests_but_never_reads_originals(moto: Moto) -> None:
    store = _store(moto, moto.role_key(Role.API_USER))
    new_thumbnail = f"{VIDEO}/thumbnails/0002.jpg"
    with store.writing(new_thumbnail) as tmp:
        tmp.write_bytes(b"ingested thumbnail")
    store.evict(new_thumbnail)
    for key in (*ORIGINALS, new_thumbnail):
        with pytest.raises(EnvironmentProblemError, match=REFUSED):
            store.readable(key)
    assert store.readable(RENDITION).read_bytes() == f"content of {RENDITION}".encode()
    with pytest.raises(EnvironmentProblemError, match=REFUSED):
        store.delete(new_thumbnail)


@pytest.mark.parametrize("role", list(Role))
def test_the_policy_follows_the_permission_table(role: Role) -> None:
    allowed = PERMISSIONS[role]
    for mode in RedactionMode:
        policy = role_policy(role, BUCKET, PREFIX, redaction_mode=mode)
        granted = {action for s in policy["Statement"] for action in s["Action"]}
        everything = f"arn:aws:s3:::{BUCKET}/{PREFIX}*"
        by_sid = {s["Sid"]: s for s in policy["Statement"]}
        reads_all = "ReadAllMedia" in by_sid and by_sid["ReadAllMedia"]["Resource"] == [everything]
        assert reads_all == bool({Action.REVEAL_PII, Action.EXPORT_UNREDACTED} & allowed)
        assert ("WriteMedia" in by_sid) == (Action.INGEST_VIDEO in allowed)
        assert ("s3:DeleteObject" in granted) == (Action.DELETE_VIDEO in allowed)
        assert json.loads(json.dumps(policy)) == policy


def _chronotrace(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chronotrace_desktop", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CHRONOTRACE_PASSWORD": "correct horse battery", **env},
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def test_the_cli_prints_the_policy_for_the_configured_bucket_to_administrators() -> None:
    data_dir = scratch_dir("s3-policy-cli-") / "installation"
    where = {"CHRONOTRACE_S3_BUCKET": "case-media", "CHRONOTRACE_S3_PREFIX": "site-7/media/"}
    assert _chronotrace(data_dir, "init", "--admin-email", "admin@s3.test").returncode == 0
    added = _chronotrace(
        data_dir,
        *("users", "add", "--user", "admin@s3.test", "--email", "viewer@s3.test", "--role", "viewer"),
        CHRONOTRACE_NEW_PASSWORD="correct horse battery",
    )
    assert added.returncode == 0, added.stderr
    printed = _chronotrace(
        data_dir, "s3", "policy", "--role", "viewer", "--json", "--user", "admin@s3.test", **where
    )
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == role_policy(Role.VIEWER, "case-media", "site-7/media/")
    table = _chronotrace(data_dir, "s3", "policy", "--role", "analyst", "--user", "admin@s3.test", **where)
    assert table.returncode == 0, table.stderr
    assert "arn:aws:s3:::case-media/site-7/media/*" in table.stdout
    refused = _chronotrace(data_dir, "s3", "policy", "--role", "admin", "--user", "viewer@s3.test", **where)
    assert refused.returncode == 3, refused.stderr  # ExitCode.PERMISSION: only administrators hand out keys
