"""The main window's panes (library, search, player, anomaly queue)."""
