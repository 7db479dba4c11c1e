"""The offline console: the same slash commands as Discord, answered in a terminal.

It calls the same services and draws the same cards as the cogs, through `bot.render_text`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TextIO

from bot import __version__
from bot.cards import answers as cards
from bot.cards.text import render_card
from bot.domain.factbase import FactBase
from bot.domain.timeutil import utcnow
from bot.errors import UserFacingError
from bot.i18n import EN, Messages

log = logging.getLogger(__name__)

PROMPT = "lookback> "
_TRUE = {"true", "yes", "y", "1", "on", "spoilers", "spoiler"}
_FALSE = {"false", "no", "n", "0", "off", ""}


@dataclass(frozen=True)
class ConsoleCommand:
    """A console command: its options in the order plain text fills them."""

    name: str
    options: tuple[str, ...]


COMMANDS: dict[str, ConsoleCommand] = {
    c.name: c
    for c in (
        ConsoleCommand("ask", ("question",)),
        ConsoleCommand("fact", ("query",)),
        ConsoleCommand("quote", ("search", "speaker")),
        ConsoleCommand("synopsis", ("spoilers",)),
        ConsoleCommand("awards next", ()),
        ConsoleCommand("awards list", ()),
        ConsoleCommand("awards record", ()),
        ConsoleCommand("awards query", ("question",)),
        ConsoleCommand("help", ()),
        ConsoleCommand("about", ()),
    )
}


class ConsoleInputError(UserFacingError):
    """A console line that is not a known command or has unknown options."""


def parse_line(line: str) -> tuple[ConsoleCommand, dict[str, str]]:
    """Split `/quote search:hit or miss` into the command and its options.

    Options are typed as in Discord (`name:value`, several allowed) or as plain text after the
    command, which fills the first option. A line without `/` is a question for `/ask`.
    """
    text = line.strip()
    if not text.startswith("/"):
        return COMMANDS["ask"], {"question": text}
    words = text[1:].split()
    if not words:
        raise ConsoleInputError("Type a command such as `/fact runtime`, or `/help`.")
    name = words[0].lower()
    rest = text[1 + len(words[0]) :].strip()
    if name == "awards":
        sub = words[1].lower() if len(words) > 1 else ""
        if f"awards {sub}" not in COMMANDS:
            raise ConsoleInputError("`/awards` takes a subcommand: next, list, record or query.")
        name = f"awards {sub}"
        rest = rest[len(words[1]) :].strip()
    command = COMMANDS.get(name)
    if command is None:
        raise ConsoleInputError(f"Unknown command `/{name[:40]}`. Type `/help` for the list.")
    options: dict[str, str] = {}
    if command.options and rest:
        pattern = re.compile(r"(?:^|\s)(" + "|".join(command.options) + r"):", re.IGNORECASE)
        marks = list(pattern.finditer(rest))
        if marks and marks[0].start() == 0:
            for i, mark in enumerate(marks):
                end = marks[i + 1].start() if i + 1 < len(marks) else len(rest)
                options[mark.group(1).lower()] = rest[mark.end() : end].strip()
        else:
            options[command.options[0]] = rest
    elif rest and not command.options:
        raise ConsoleInputError(f"`/{name}` takes no options.")
    return command, options


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConsoleInputError("`spoilers` takes true or false.")


class Console:
    """Answers console lines with rendered cards."""

    def __init__(self, service: FactBase, guild_id: int | None = None, m: Messages = EN) -> None:
        self.service = service
        self.guild_id = guild_id
        self.m = m  # the language of the answers (`--lang`, else `LANG`)
        self._handlers: dict[str, Callable[[dict[str, str]], Coroutine[Any, Any, list[cards.Card]]]]
        self._handlers = {
            "ask": self._ask,
            "fact": self._fact,
            "quote": self._quote,
            "synopsis": self._synopsis,
            "awards next": self._awards_next,
            "awards list": self._awards_list,
            "awards record": self._awards_record,
            "awards query": self._awards_query,
            "help": self._help,
            "about": self._about,
        }

    async def answer(self, line: str) -> str:
        """The rendered answer to one console line (errors as a short message)."""
        try:
            command, options = parse_line(line)
            result = await self._handlers[command.name](options)
        except UserFacingError as exc:
            return render_card(cards.error_card(exc.render(self.m), m=self.m))
        except Exception:
            log.exception("Console command failed: %r", line[:200])
            failed = self.m._("Something went wrong on my side; sorry.")
            return render_card(cards.error_card(failed, m=self.m))
        return "\n\n".join(render_card(card) for card in result)

    async def _ask(self, options: dict[str, str]) -> list[cards.Card]:
        answer = await self.service.ask(options.get("question"), guild_id=self.guild_id)
        return [cards.answer_card(answer, m=self.m, detail=True)]

    async def _fact(self, options: dict[str, str]) -> list[cards.Card]:
        query = options.get("query", "").strip()
        if not query:
            entry = await self.service.random_entry("fact", self.guild_id)
            if entry is None:
                raise UserFacingError("There are no facts here yet.")
            return [cards.entry_card(entry, m=self.m, detail=True)]
        answer = await self.service.lookup("fact", query, self.guild_id)
        return [cards.answer_card(answer, m=self.m, detail=True)]

    async def _quote(self, options: dict[str, str]) -> list[cards.Card]:
        answer = await self.service.quote(
            options.get("search"), options.get("speaker"), self.guild_id
        )
        return [cards.answer_card(answer, m=self.m, detail=True)]

    async def _synopsis(self, options: dict[str, str]) -> list[cards.Card]:
        spoilers = _flag(options.get("spoilers", ""))
        entry = await self.service.synopsis(spoilers=spoilers, guild_id=self.guild_id)
        return list(cards.synopsis_pages(entry, m=self.m).cards)

    async def _awards_next(self, options: dict[str, str]) -> list[cards.Card]:
        event, undated = await self.service.next_event(self.guild_id)
        return [cards.next_event_card(event, undated, m=self.m)]

    async def _awards_list(self, options: dict[str, str]) -> list[cards.Card]:
        events = await self.service.awards_events(self.guild_id)
        return list(cards.events_pages(events, utcnow(), m=self.m).cards)

    async def _awards_record(self, options: dict[str, str]) -> list[cards.Card]:
        facts = await self.service.award_record(self.guild_id)
        return list(cards.record_pages(facts, m=self.m).cards)

    async def _awards_query(self, options: dict[str, str]) -> list[cards.Card]:
        answer = await self.service.ask(
            options.get("question"), guild_id=self.guild_id, kinds=["awards", "fact"]
        )
        return [cards.answer_card(answer, m=self.m, detail=True)]

    async def _help(self, options: dict[str, str]) -> list[cards.Card]:
        return [cards.help_card(m=self.m)]

    async def _about(self, options: dict[str, str]) -> list[cards.Card]:
        stats = await self.service.stats()
        uptime = self.service.uptime_seconds
        return [cards.about_card(__version__, stats, uptime, None, m=self.m)]


async def run_console(
    service: FactBase,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    m: Messages = EN,
) -> int:
    """Read lines until end of input or `quit`; works for a person typing and for pipes."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    console = Console(service, m=m)
    interactive = stdin.isatty()
    if interactive:
        stdout.write(
            m._("Look Back bot — offline console. Type /help, a question, or quit.") + "\n"
        )
    while True:
        if interactive:
            stdout.write(PROMPT)
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line.lower() in {"quit", "exit", "/quit", "/exit"}:
            break
        stdout.write(await console.answer(line) + "\n\n")
        stdout.flush()
    return 0
