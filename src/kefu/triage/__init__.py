"""Automatic ticket triage: category and priority from the text."""
