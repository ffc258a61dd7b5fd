"""Administration: the window administrators manage the installation from, and its panels."""
