"""Imports from other help desks (Zendesk, Chatwoot): their API response pages in, kefu rows
out, idempotent by the source's ids. A domain that uses the other domains' services."""
