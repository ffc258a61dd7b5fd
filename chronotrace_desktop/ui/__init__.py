"""Qt widgets, panes, dialogs and item models."""
