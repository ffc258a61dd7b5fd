"""ChronoTrace Desktop: an investigation workstation for CCTV evidence."""

__version__ = "0.1.0"
