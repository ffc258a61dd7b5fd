"""What the bundled FFmpeg (PyAV) can do on this machine."""

from __future__ import annotations

import av

# Redacted clips are H.264 so every player and court system can open them.
REDACTION_ENCODER = "libx264"


def ffmpeg_version() -> str:
    major, minor, micro = av.library_versions.get("libavcodec", (0, 0, 0))
    return f"PyAV {av.__version__}, libavcodec {major}.{minor}.{micro}"


def encoder_available(name: str = REDACTION_ENCODER) -> bool:
    try:
        av.Codec(name, "w")
    except (av.codec.codec.UnknownCodecError, ValueError):
        return False
    return True
