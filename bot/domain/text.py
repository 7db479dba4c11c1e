"""Plain-text helpers shared by every layer that shows text (cards, moderation messages)."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
