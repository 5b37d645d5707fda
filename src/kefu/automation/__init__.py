"""Automation: macros (canned replies with field changes; the service scripts 话术)."""
