"""Automatic ticket triage."""

ZH = {"no triage for this ticket yet": "该工单尚未自动分类"}
