"""The timeline: cameras as lanes on one wall-clock axis, with activity, anomalies, bookmarks and search hits."""
