"""Personal-data protection (PIPL): data-subject export and erasure."""
