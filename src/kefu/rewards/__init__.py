"""Loyalty self-service: the points catalogue and redemptions."""
