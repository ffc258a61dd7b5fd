"""Object detection: NanoDet-g over square tiles (the default) — see ``detector``."""

from chronotrace_desktop.analysis.detection.detector import TiledConfig, TiledDetector

__all__ = ["TiledConfig", "TiledDetector"]
