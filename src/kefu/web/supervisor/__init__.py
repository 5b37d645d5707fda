"""Supervisors' pages: reports, wallboard, quality review, survey follow-ups, improvement
items, staffing and the training grading and reports."""
