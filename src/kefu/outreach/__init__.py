"""Outreach (主动触达): segments, templates, channels, consent, caps, quiet hours, journeys."""
