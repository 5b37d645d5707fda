"""The agents' workspace: tickets, customers, my customers, the assist panel, field service on
a ticket, my quality, my numbers and my training."""
