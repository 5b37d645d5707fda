"""One customer, one history: tickets, chats, WeChat, calls and email tickets in one timeline."""
