"""Every limit and constant the bot relies on, in one place."""

from __future__ import annotations

from typing import Final

# Discord limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
AUTOCOMPLETE_MAX_CHOICES: Final = 25
CHOICE_NAME_MAX: Final = 100
CHOICE_VALUE_MAX: Final = 100
EMBED_TITLE_MAX: Final = 256
EMBED_DESCRIPTION_MAX: Final = 4096
EMBED_FIELD_NAME_MAX: Final = 256
EMBED_FIELD_VALUE_MAX: Final = 1024
EMBED_FOOTER_MAX: Final = 2048
EMBED_AUTHOR_MAX: Final = 256
EMBED_TOTAL_MAX: Final = 6000
BUTTON_LABEL_MAX: Final = 80

# Our own limits
QUERY_MAX_CHARS: Final = 300  # longer questions are refused, not truncated silently
SUGGESTIONS_MAX: Final = 3
SYNOPSIS_PAGE_CHARS: Final = 1800
VIEW_TIMEOUT_SECONDS: Final = 180.0
PUBLIC_COOLDOWN_RATE: Final = 5  # uses ...
PUBLIC_COOLDOWN_PER: Final = 20.0  # ... per this many seconds, per user

# Colours
COLOUR_ANSWER: Final = 0xE8A33D  # warm amber, like the film's sunset classroom
COLOUR_UNKNOWN: Final = 0x7F8C8D
COLOUR_AWARDS: Final = 0xD4AF37
COLOUR_ERROR: Final = 0xC0392B

KINDS: Final = ("fact", "quote", "synopsis", "awards")
KIND_LABELS: Final = {  # English; the cards translate them (bot/cards/answers.py KIND_NAMES)
    "fact": "Fact",
    "quote": "Quote",
    "synopsis": "Synopsis",
    "awards": "Awards event",
}

SHIPPED_GUILD: Final = 0  # guild_id of the shipped content in the database
