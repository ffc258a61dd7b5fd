"""Dialogs opened from the panes."""
