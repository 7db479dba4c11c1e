"""Helpers shared by the simcord tests."""

from __future__ import annotations

from simcord import Env, InteractionResult

from bot.client import LookBackBot
from bot.domain.factbase import FactBase


def service_of(env: Env) -> FactBase:
    """The bot's fact base."""
    assert isinstance(env.bot, LookBackBot)
    return env.bot.service


def seen(result: InteractionResult) -> str:
    """Everything the member can read in the reply and its followups."""
    messages = [m for m in (result.response, *result.followups) if m is not None]
    parts: list[str] = []
    for message in messages:
        parts.append(message.content)
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
            parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    return "\n".join(parts)
