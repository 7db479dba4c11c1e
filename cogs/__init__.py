"""The bot's extensions, one per area."""
