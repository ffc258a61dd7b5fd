"""The team profile's media store: the objects live in an S3 bucket, read and written through a local cache.

Decoders, the player and the PDF writer need a file on disk, so every key has a place in a local cache
(``LocalBlobStore`` under the cache dir) with the same layout. What a workstation writes is uploaded when
it is complete (``publish``, or at the end of ``writing``) before any database row names it, so other
workstations never see a key whose object is missing; what it reads and does not have yet is downloaded
into the cache first (``readable``). S3 puts are atomic, so a crash mid-upload leaves the old object or
none, and the cache keeps the temp-then-rename rule of the local store.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3.exceptions
import botocore.exceptions

from chronotrace_desktop.domain.errors import EnvironmentProblemError
from chronotrace_desktop.storage.blobs import LocalBlobStore, checked_key

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

logger = logging.getLogger(__name__)

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
# What boto3 raises for a refused or failed request (S3UploadFailedError is boto3's own).
_S3_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, boto3.exceptions.Boto3Error)


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    prefix: str = "media/"  # every key is stored under this (several installations can share a bucket)
    endpoint_url: str | None = None

    def display(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"


def _problem(location: S3Location, action: str, exc: Exception) -> EnvironmentProblemError:
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        detail = (
            "no S3 credentials (set s3_access_key_id and the s3-secret-access-key secret, or AWS_* variables)"
        )
    elif isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        detail = f"{error.get('Code', 'error')}: {error.get('Message', exc)}"
    else:
        detail = str(exc)
    return EnvironmentProblemError(f"The media store {location.display()} could not {action}: {detail}")


class S3BlobStore:
    """Keys as in ``LocalBlobStore``; ``client`` is a boto3 S3 client (``make_s3_client``)."""

    def __init__(self, client: Any, location: S3Location, cache_root: Path) -> None:
        self._s3 = client
        self.location = location
        self.cache = LocalBlobStore(cache_root)

    @property
    def root(self) -> Path:
        return self.cache.root

    @property
    def shared(self) -> bool:
        return True

    def evict(self, key: str) -> None:
        """Drop this workstation's cached copy of ``key`` (the object stays in the bucket)."""
        self.cache.delete(key)

    def _object(self, key: str) -> str:
        return f"{self.location.prefix}{checked_key(key).as_posix()}"

    # ------------------------------------------------------------------ local side
    def path(self, key: str) -> Path:
        """Where ``key`` is (or is to be written) in the local cache; nothing is downloaded."""
        return self.cache.path(key)

    def key_of(self, path: Path) -> str:
        return self.cache.key_of(path)

    def readable(self, key: str) -> Path:
        """The cached file of ``key``, downloaded first when this workstation does not have it yet."""
        local = self.cache.path(key)
        if local.is_file():
            return local
        with self.cache.writing(key) as tmp:
            try:
                self._s3.download_file(self.location.bucket, self._object(key), str(tmp))
            except _S3_ERRORS as exc:
                raise _problem(self.location, f"deliver {key}", exc) from exc
        logger.debug("Downloaded %s into the media cache", key)
        return local

    # ------------------------------------------------------------------ both sides
    def exists(self, key: str) -> bool:
        if self.cache.exists(key):
            return True
        try:
            self._s3.head_object(Bucket=self.location.bucket, Key=self._object(key))
        except botocore.exceptions.ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _NOT_FOUND:
                return False
            raise _problem(self.location, f"check {key}", exc) from exc
        except _S3_ERRORS as exc:
            raise _problem(self.location, f"check {key}", exc) from exc
        return True

    def publish(self, key: str) -> None:
        """Upload the cached file of ``key`` (written in place by a decoder); it must be complete."""
        local = self.cache.path(key)
        try:
            self._s3.upload_file(str(local), self.location.bucket, self._object(key))
        except (*_S3_ERRORS, OSError) as exc:
            raise _problem(self.location, f"store {key}", exc) from exc

    @contextmanager
    def writing(self, key: str, suffix: str = "") -> Iterator[Path]:
        """As ``LocalBlobStore.writing``; the content is uploaded before it takes the key's place in the cache."""
        with self.cache.writing(key, suffix) as tmp:
            yield tmp
            try:
                self._s3.upload_file(str(tmp), self.location.bucket, self._object(key))
            except _S3_ERRORS as exc:
                raise _problem(self.location, f"store {key}", exc) from exc

    def delete(self, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=self.location.bucket, Key=self._object(key))
        except _S3_ERRORS as exc:
            raise _problem(self.location, f"delete {key}", exc) from exc
        self.cache.delete(key)

    def delete_prefix(self, prefix: str) -> None:
        keys = self.keys(prefix)
        for start in range(0, len(keys), 1000):  # S3's batch limit
            batch = [{"Key": self._object(k)} for k in keys[start : start + 1000]]
            try:
                self._s3.delete_objects(Bucket=self.location.bucket, Delete={"Objects": batch, "Quiet": True})
            except _S3_ERRORS as exc:
                raise _problem(self.location, f"delete {prefix}", exc) from exc
        self.cache.delete_prefix(prefix)

    def keys(self, prefix: str) -> list[str]:
        """Every stored key under ``prefix`` in the bucket (what other workstations wrote included)."""
        start = self._object(prefix).rstrip("/") + "/"
        found: list[str] = []
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=start
            )
            for page in pages:
                found.extend(item["Key"][len(self.location.prefix) :] for item in page.get("Contents", ()))
        except _S3_ERRORS as exc:
            raise _problem(self.location, f"list {prefix}", exc) from exc
        return sorted(found)

    def remove_temp_files(self, prefix: str) -> int:
        """Temp files only ever exist in the cache (S3 receives whole objects)."""
        return self.cache.remove_temp_files(prefix)

    def check(self) -> None:
        """Reach the bucket (for ``doctor`` and start-up); ``EnvironmentProblemError`` when it cannot."""
        try:
            self._s3.head_bucket(Bucket=self.location.bucket)
        except _S3_ERRORS as exc:
            raise _problem(self.location, "be reached", exc) from exc


def make_s3_client(
    *, endpoint_url: str | None, region: str | None, access_key_id: str | None, secret_access_key: str | None
) -> Any:
    """A boto3 S3 client; without a key pair boto3's own chain (environment, ~/.aws, instance role) applies."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60)
    credentials: dict[str, str] = {}
    if access_key_id and secret_access_key:
        credentials = {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret_access_key}
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config, **credentials)
