"""Outgoing webhooks: signed event deliveries to integrators, with retries and SSRF guards."""
