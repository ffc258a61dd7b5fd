"""Item models: lazy tables over ids with a row cache (STYLE.md)."""
