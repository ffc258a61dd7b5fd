"""Qt task runners around service calls: progress, cancel, errors to the UI."""
