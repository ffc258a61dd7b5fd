from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from chronotrace_desktop.domain.errors import InvalidInputError, OperationCancelledError
from chronotrace_desktop.media import hashing
from chronotrace_desktop.media.hashing import sha256_file


def test_matches_hashlib_across_chunk_boundaries(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000 + b"tail"
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert sha256_file(path, chunk_bytes=4096) == hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_progress_and_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"x" * 50_000)
    monkeypatch.setattr(hashing, "PROGRESS_EVERY_BYTES", 10_000)
    seen: list[tuple[int, int]] = []
    sha256_file(path, chunk_bytes=5_000, progress=lambda done, total, _note: seen.append((done, total)))
    assert seen[-1] == (50_000, 50_000)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(seen) >= 5
    calls = iter(range(100))
    with pytest.raises(OperationCancelledError):
        sha256_file(path, chunk_bytes=5_000, should_stop=lambda: next(calls) >= 3)


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        sha256_file(tmp_path / "nope.mp4")


def test_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        sha256_file(fifo)
