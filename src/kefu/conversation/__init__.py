"""Conversations: one channel session each, with ordered messages, the bot slot and hand-off."""
