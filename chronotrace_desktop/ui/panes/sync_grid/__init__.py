"""Synchronised playback: two to four cameras in a grid, locked to one wall-clock time (issue 16 item 4).

``SyncGrid`` is the pane; ``SyncCell`` one camera in it; ``SyncTransport`` the shared transport.
"""

from chronotrace_desktop.ui.panes.sync_grid.cell import SyncCell
from chronotrace_desktop.ui.panes.sync_grid.grid import SyncGrid
from chronotrace_desktop.ui.panes.sync_grid.transport import SyncTransport

__all__ = ["SyncCell", "SyncGrid", "SyncTransport"]
