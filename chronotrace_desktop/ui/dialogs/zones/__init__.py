"""A camera's zones and rules: the dialog (``editor``), the polygon canvas over the camera's picture (``canvas``),
the rules form (hours, time zone, thresholds, alert recipients: ``rules_form``), the recorder clock (offset,
date order: ``clock_form``) and its service calls (``camera_access``, run in workers)."""

from chronotrace_desktop.ui.dialogs.zones.editor import CameraZonesDialog

__all__ = ["CameraZonesDialog"]
