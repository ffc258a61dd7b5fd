"""Real clips (read in place from ../shared/data/videos, never copied into the repo); the bad-input corpus."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import VIDEOS_DIR
from tests.corpus import CorpusItem, build_corpus, restore_permissions

VIDEO_SUFFIXES = (".mp4", ".avi", ".gif")


@dataclass(frozen=True)
class SourceRow:
    """One row of SOURCES.md's tables."""

    name: str
    size: int
    sha256: str
    duration_s: float
    fps: float
    width: int
    height: int
    codec: str  # ffmpeg codec name, from the brackets of the Codec column
    frames: int


def source_rows() -> dict[str, SourceRow]:
    rows: dict[str, SourceRow] = {}
    for line in (VIDEOS_DIR / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 9 or not cells[0].endswith(VIDEO_SUFFIXES):
            continue
        # "H.264 High (h264)"; the AVI rows give OpenCV's FOURCC in brackets instead: "... XVID tag (FMP4)".
        codec = re.search(r"\(([a-z0-9]+)\)", cells[7])
        codec_name = codec[1] if codec else ("mpeg4" if "MPEG-4 Part 2" in cells[7] else "")
        resolution = re.match(r"(\d+)x(\d+)", cells[6])
        assert codec_name, line
        assert resolution, line
        rows[cells[0]] = SourceRow(
            name=cells[0],
            size=int(cells[2]),
            sha256=cells[3],
            duration_s=float(cells[4].removesuffix(" s")),
            fps=float(cells[5]),
            width=int(resolution[1]),
            height=int(resolution[2]),
            codec=codec_name,
            frames=int(cells[8]),
        )
    return rows


SOURCES = source_rows()


@pytest.fixture(scope="session")
def videos_dir() -> Path:
    if not VIDEOS_DIR.is_dir():
        pytest.fail(f"the shared clips are missing: {VIDEOS_DIR}")
    return VIDEOS_DIR


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, videos_dir: Path) -> Iterator[dict[str, CorpusItem]]:
    items = build_corpus(tmp_path_factory.mktemp("bad-input corpus"), videos_dir)
    yield items
    restore_permissions(items)
