"""Pages for everyone, signed in or not: staff sign-in and language, the help center, the
chat widget page, survey answers, referral landing pages and signed quote links."""
