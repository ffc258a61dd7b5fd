"""Search analytics: volumes, latency split, cache hits, per-user totals, zero-result and slowest queries."""
