"""The mail channel's services: the inbound pipeline (inbound), channel settings and
mailboxes (channels), IMAP fetches (fetch) and replies on email tickets (replies), each
imported by path. Outgoing mail is the outbox, kefu.outbox, which every domain uses."""
