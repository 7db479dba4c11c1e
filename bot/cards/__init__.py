"""Cards: what the bot shows, as plain values, drawn by `embed` (Discord) or `text` (console).

`base` holds the card types; `answers`, `reminders` and `moderation` build one card per kind of
answer; `embed` and `text` are the two renderers, so Discord and the console never drift.
"""
