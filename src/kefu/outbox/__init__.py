"""The outbox: outgoing mail any domain may queue in its own transaction (notices, surveys,
coupons, magic links, replies), sent by an I/O job. Separate from the mail channel
(kefu.mail: inbound SMTP/IMAP, threading, channel settings), which uses it for replies."""
