"""Satisfaction surveys (CSAT, NPS) and their closed-loop follow-ups."""
