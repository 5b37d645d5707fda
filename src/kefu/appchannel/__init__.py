"""App/API channel: companies' apps post messages for their own (HMAC-vouched) users and get
replies by scoped webhook or the chat socket; service points log visits as tickets."""
