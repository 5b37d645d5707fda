"""Tickets: the unit of work — status, priority, ownership, comments, history, SLAs."""
