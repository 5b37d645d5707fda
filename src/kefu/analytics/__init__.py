"""Metrics, rollups, summaries, dashboards and pain points."""
