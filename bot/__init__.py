"""Look Back community bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from bot.client import LookBackBot
    from bot.config import Settings


def create_bot(settings: Settings | None = None, **options: Any) -> LookBackBot:
    """A configured, not yet started bot (settings from the environment unless given)."""
    from bot.client import LookBackBot
    from bot.config import Settings

    return LookBackBot(settings or Settings.from_env(), **options)


__all__ = ["__version__", "create_bot"]
