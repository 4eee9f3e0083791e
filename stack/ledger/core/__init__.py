"""Cross-cutting infrastructure: settings, database, security, cache and metrics."""
