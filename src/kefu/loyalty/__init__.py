"""Loyalty: orders, tiers, the points ledger, coupons and service compensation."""
