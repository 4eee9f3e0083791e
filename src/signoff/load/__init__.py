"""The load layer's engine: Locust runs, HDR latency, phase budgets, server figures, plots."""
