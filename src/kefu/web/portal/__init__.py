"""The customer self-service portal (sign-in, tickets, account, repairs, referrals, surveys) and
the service partners' portal."""
