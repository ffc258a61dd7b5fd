"""Every dialog of the desktop, one module each: sign-in (``login_dialog``), settings, adding videos
(``ingest_dialog``), revealing faces with a justification (``reveal_dialog``), exporting evidence
(``export_dialog``), and a camera's zones and rules (``zones/``)."""
