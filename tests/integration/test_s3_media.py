"""The team profile's media store on a real S3 endpoint (moto_server, a local S3 HTTP server process).

The production code path is the same as against AWS or MinIO: boto3 over HTTP, the secret key from the
keyring. The server database backs the end-to-end test, as a team installation would use.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import pytest

from chronotrace_desktop.domain.errors import EnvironmentProblemError, InvalidInputError, NotFoundError
from chronotrace_desktop.domain.export import ExportRequest, ExportSelection, ExportType
from chronotrace_desktop.domain.ingest import IngestOptions, IngestStatus
from chronotrace_desktop.domain.roles import Role
from chronotrace_desktop.domain.secrets import SecretName
from chronotrace_desktop.domain.tasks import Unattended
from chronotrace_desktop.domain.users import ReauthPurpose
from chronotrace_desktop.services.doctor import DoctorService
from chronotrace_desktop.storage.blobs_s3 import S3BlobStore, S3Location, make_s3_client
from chronotrace_desktop.storage.secrets import SecretStore
from tests.conftest import VIDEOS_DIR, scratch_dir
from tests.integration.conftest import ADMIN_PASSWORD, new_installation, wait_for_port

ACCESS_KEY = "chronotrace-test"
SECRET_KEY = "moto-secret-for-tests"  # stored in the test keyring, never in settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, server, "moto_server")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _client(endpoint: str) -> Any:
    return make_s3_client(
        endpoint_url=endpoint, region="us-east-1", access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY
    )


def _bucket(endpoint: str, name: str) -> str:
    _client(endpoint).create_bucket(Bucket=name)
    return name


def _objects(endpoint: str, bucket: str) -> list[str]:
    pages = _client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


def test_the_store_writes_reads_lists_and_deletes_through_s3(endpoint: str) -> None:
    bucket = _bucket(endpoint, "store-contract")
    cache = scratch_dir("s3-cache-")
    store = S3BlobStore(_client(endpoint), S3Location(bucket, "case-files/", endpoint), cache)
    store.check()
    with store.writing("v1/segments/0000.mp4") as tmp:
        tmp.write_bytes(b"clip zero")
    store.path("v1/thumbnails/0000.jpg").parent.mkdir(parents=True, exist_ok=True)
    store.path("v1/thumbnails/0000.jpg").write_bytes(b"jpeg")  # written in place by a decoder ...
    assert not store.exists("v1/thumbnails/0001.jpg")
    store.publish("v1/thumbnails/0000.jpg")  # ... then published
    assert _objects(endpoint, bucket) == [
        "case-files/v1/segments/0000.mp4",
        "case-files/v1/thumbnails/0000.jpg",
    ]

    # Another workstation (an empty cache) sees both, and reads fetch them.
    other = S3BlobStore(
        _client(endpoint), S3Location(bucket, "case-files/", endpoint), scratch_dir("s3-cache-")
    )
    assert other.exists("v1/segments/0000.mp4")
    assert not other.path("v1/segments/0000.mp4").exists()
    assert other.readable("v1/segments/0000.mp4").read_bytes() == b"clip zero"
    assert other.keys("v1") == ["v1/segments/0000.mp4", "v1/thumbnails/0000.jpg"]
    assert other.keys("v") == []  # a prefix is a folder, not a string prefix

    other.delete("v1/thumbnails/0000.jpg")
    assert not store.exists("v1/thumbnails/0000.jpg") or store.path("v1/thumbnails/0000.jpg").is_file()
    other.delete_prefix("v1")
    assert _objects(endpoint, bucket) == []
    assert not other.path("v1/segments/0000.mp4").exists()
    with pytest.raises(InvalidInputError):
        store.readable("../outside")


def test_a_failed_upload_leaves_nothing_under_the_key(endpoint: str) -> None:
    missing = S3BlobStore(_client(endpoint), S3Location("no-such-bucket"), scratch_dir("s3-cache-"))
    with pytest.raises(EnvironmentProblemError, match="no-such-bucket"):
        missing.check()
    with (
        pytest.raises(EnvironmentProblemError, match=r"could not store v2/segments/0000\.mp4"),
        missing.writing("v2/segments/0000.mp4") as tmp,
    ):
        tmp.write_bytes(b"clip")
    assert not missing.path("v2/segments/0000.mp4").exists()
    assert missing.cache.keys("v2") == []  # no temp file either
    with pytest.raises(EnvironmentProblemError):
        missing.readable("v2/segments/0000.mp4")


@pytest.mark.server_pg
def test_a_team_installation_keeps_its_media_in_s3(endpoint: str) -> None:
    bucket = _bucket(endpoint, "team-media")
    SecretStore().set(SecretName.S3_SECRET_ACCESS_KEY, endpoint, SECRET_KEY)
    overrides = {
        "media_store": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": ACCESS_KEY,
    }
    with new_installation("server", **overrides) as inst:
        services = inst.services
        assert isinstance(services.blobs, S3BlobStore)
        clip = VIDEOS_DIR / "car-detection.mp4"
        results = services.ingest.ingest_paths(inst.admin, [clip], IngestOptions(), Unattended())
        assert [r.status for r in results] == [IngestStatus.COMPLETED], results
        video_id = results[0].video_id
        stored = _objects(endpoint, bucket)
        segments = [k for k in stored if "/segments/" in k]
        thumbnails = [k for k in stored if k.endswith(".redacted.jpg")]
        assert len(segments) == results[0].segments >= 2
        assert len(thumbnails) == len(segments)
        assert all(k.startswith(f"media/{video_id}/") for k in stored)

        # A viewer's workstation that has never seen the video (empty cache): the redacted clip is not
        # rendered yet, and rendering would read the original, so the viewer is told so and nothing original
        # reaches its machine (issue 13, item 2).
        shutil.rmtree(services.blobs.root)
        _, viewer = inst.add_user(Role.VIEWER)
        segment_id = services.library.segments_of(viewer, video_id)[0].id
        with pytest.raises(NotFoundError, match="not ready yet"):
            services.media.redacted_clip(viewer, segment_id)
        assert _cached_originals(services.blobs.root) == []
        assert services.media.redacted_thumbnail(viewer, segment_id).is_file()
        assert _cached_originals(services.blobs.root) == []

        # Where originals may be read (the analyst who ingested, or a worker), the renditions are rendered and
        # published to the bucket; the originals fetched for that leave the cache again.
        rendered_count = services.media.prerender(inst.admin, Unattended(), video_ids=[video_id])
        assert rendered_count == len(segments)
        assert _cached_originals(services.blobs.root) == []
        rendered = [k for k in _objects(endpoint, bucket) if k not in stored]
        assert len(rendered) == len(segments)
        assert all(k.startswith(f"media/{video_id}/") for k in rendered)

        # The viewer's workstation now fetches the rendition only.
        shutil.rmtree(services.blobs.root)
        clip_path = services.media.redacted_clip(viewer, segment_id)
        assert clip_path.is_file()
        assert clip_path.stat().st_size > 0
        assert _cached_originals(services.blobs.root) == []

        report = DoctorService(inst.settings, services.paths).run()
        media = next(c for c in report.checks if c.name == "media store")
        assert media.status.value == "ok", media
        assert f"s3://{bucket}/media/" in media.detail
        assert SECRET_KEY not in media.detail


@pytest.mark.server_pg
def test_an_original_fetched_for_a_reveal_leaves_the_cache_when_the_reveal_ends(endpoint: str) -> None:
    """Issue 13 item 2: a revealed original stays on the workstation only while a reveal holds it (the player
    shows it); then it is evicted, and at the latest when the app closes."""
    bucket = _bucket(endpoint, "team-reveals")
    SecretStore().set(SecretName.S3_SECRET_ACCESS_KEY, endpoint, SECRET_KEY)
    overrides = {
        "media_store": "s3",
        "s3_bucket": bucket,
        "s3_endpoint_url": endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": ACCESS_KEY,
    }
    reason = "CASE-2024-0300: identify the driver of the car"
    with new_installation("server", **overrides) as inst:
        services = inst.services
        results = services.ingest.ingest_paths(
            inst.admin, [VIDEOS_DIR / "car-detection.mp4"], IngestOptions(), Unattended()
        )
        assert [r.status for r in results] == [IngestStatus.COMPLETED], results
        video_id = results[0].video_id
        assert video_id is not None
        shutil.rmtree(services.blobs.root)  # an analyst's workstation that has not seen the video
        cache = services.blobs.root
        _, analyst = inst.add_user(Role.ANALYST)
        first, second = (s.id for s in services.library.segments_of(analyst, video_id))
        proof = services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.REVEAL)

        # The player shows the original: it is fetched into the cache and stays while shown, whatever else
        # reads it meanwhile (a second reveal, a render of its segment, an export of it).
        shown = services.media.reveal(analyst, first, reason, proof=proof)
        assert _cached_originals(cache) == [shown]
        again = services.media.reveal(analyst, first, reason, proof=proof)
        services.media.end_reveal(again)
        assert services.media.prerender(inst.admin, Unattended(), video_ids=[video_id]) == 2
        export_proof = services.reauth.confirm(analyst, ADMIN_PASSWORD, ReauthPurpose.EXPORT_UNREDACTED)
        request = ExportRequest(
            case_id="CASE-2024-0300",
            selection=ExportSelection.of_segments([first, second]),
            destination=scratch_dir("s3-export-"),
            types=frozenset({ExportType.VIDEO_CLIP}),
            reveal_justification=reason,
        )
        assert services.exports.export(analyst, request, proof=export_proof).unredacted
        assert _cached_originals(cache) == [shown]  # the export's own copies are gone, the shown one is not
        with av.open(str(shown)) as container:  # and it still plays
            assert next(container.decode(video=0)).width > 0

        # Back to the redacted clip (or another segment): the reveal ends, the original leaves the cache.
        services.media.end_reveal(shown)
        assert _cached_originals(cache) == []
        assert services.blobs.exists(services.blobs.key_of(shown))  # the bucket keeps it

        # A reveal still held when the app closes is evicted then.
        held = services.media.reveal(analyst, second, reason, proof=proof)
        assert _cached_originals(cache) == [held]
    assert not held.exists()


def _cached_originals(cache: Path) -> list[Path]:
    """Original cuts in a workstation's media cache (renditions and thumbnails are not originals)."""
    return [p for p in cache.rglob("*") if p.is_file() and p.parent.name == "segments"]
