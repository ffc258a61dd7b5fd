"""The ``chronotrace`` command."""
