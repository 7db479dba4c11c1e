"""The domain: entries and answers, the content pack, the fact base, the awards reminders.

Nothing here imports discord.py; "now" is read through `bot.domain.timeutil.utcnow`.
"""
