"""Email channel: raw-first ingest over SMTP and IMAP, parsing, threading, outbox."""
