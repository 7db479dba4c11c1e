"""Escaping Discord markdown without importing discord.py.

The layers below the Discord surface (and the command-line paths, which must start fast) do
not import discord.py. `escape_markdown` is discord.py 2.x's `discord.utils.escape_markdown`
(default arguments: escape every markdown character, leave links alone), with its regular
expressions copied unchanged (discord.py is MIT-licensed, © Rapptz). A test checks that both
give the same result on generated text.
"""

from __future__ import annotations

import re

_MARKDOWN_ESCAPE_COMMON = r"^>(?:>>)?\s|\[.+\]\(.+\)|^#{1,3}|^\s*-"
_URL_REGEX = r"(?P<url><[^: >]+:\/[^ >]+>|(?:https?|steam):\/\/[^\s<]+[^<.,:;\"\'\]\s])"
_MARKDOWN_STOCK_REGEX = rf"(?P<markdown>[_\\~|\*`]|{_MARKDOWN_ESCAPE_COMMON})"
_ESCAPE = re.compile(f"(?:{_URL_REGEX}|{_MARKDOWN_STOCK_REGEX})", re.MULTILINE)


def _replacement(match: re.Match[str]) -> str:
    url = match.group("url")
    if url:
        return url
    return "\\" + match.group("markdown")


def escape_markdown(text: str) -> str:
    """Escape Discord's markdown characters in `text`, leaving links as they are."""
    return _ESCAPE.sub(_replacement, text)
