"""How numbers and times read in the panes. Stored times are naive UTC and are shown as UTC."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronotrace_desktop.domain.ingest import IngestStage

if TYPE_CHECKING:
    from datetime import datetime

# Ingest stages that read as an activity; the others (queued, segments) are shown by their name or a count.
_STAGE_WORDS = {
    IngestStage.PROBING: "probing",
    IngestStage.HASHING: "hashing",
    IngestStage.TRACKS: "tracking",
    IngestStage.CLOCK: "reading the clock",
    IngestStage.ENGINES: "embedding (engines)",
    IngestStage.DONE: "finishing",
}


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock(seconds: float, *, millis: bool = True) -> str:
    """``m:ss.mmm`` (or ``h:mm:ss.mmm``) from the start of a video."""
    seconds = max(0.0, seconds)
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if millis:
        text += f".{round((seconds - whole) * 1000) % 1000:03d}"
    return text


def timestamp(value: datetime | None, *, seconds: bool = False) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def wall_clock(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d} UTC"


def recorder_note(true: datetime | None, recorder: datetime | None) -> str:
    """`` (recorder 14:28:52)`` beside a corrected time, when the recorder's clock said otherwise (its date too
    when the dates differ); empty when no offset applies."""
    if true is None or recorder is None or true == recorder:
        return ""
    shown = recorder.strftime("%H:%M:%S" if recorder.date() == true.date() else "%Y-%m-%d %H:%M:%S")
    return f" (recorder {shown})"


def size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return ""
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def ingest_stage(stage: IngestStage, suffix: str = "") -> str:
    """An ingest stage as the panes word it: the activity (followed by ``suffix``), else the stage's name."""
    word = _STAGE_WORDS.get(stage)
    return word + suffix if word is not None else str(stage)
