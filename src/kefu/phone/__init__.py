"""Phone (CTI): call events from the company's telephony become conversations and calls."""
