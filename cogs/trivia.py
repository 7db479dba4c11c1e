"""/trivia start, stop, leaderboard, stats — a Look Back quiz played on buttons in a channel.

The rules and the state are `bot.domain.trivia`'s; this cog runs each game's rounds on a timer
and answers the buttons. A restart ends the games that were running (their points are kept:
every answer is stored when it is given) and says so in their channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards.trivia import (
    LETTERS,
    leaderboard_card,
    question_card,
    reveal_card,
    stats_card,
    summary_card,
)
from bot.client import LookBackBot
from bot.domain.trivia import (
    DEFAULT_ROUNDS,
    MAX_ROUNDS,
    REVEAL_SECONDS,
    ROUND_SECONDS,
    Game,
    Round,
    TriviaService,
)
from bot.errors import UserFacingError
from bot.i18n import Messages, lang_of, messages
from bot.ui.errors import handle_component_error
from bot.ui.language import reply_messages
from bot.ui.respond import NO_PINGS, post, respond
from cogs.admin._base import actor_of

log = logging.getLogger(__name__)

#: One press per player per this many seconds (a player answers once per question anyway).
PRESS_INTERVAL = 1.0
#: A member may start a game once per this many seconds.
START_COOLDOWN = 30.0


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"lb:tv:(?P<game>[0-9]{1,12}):(?P<round>[0-9]{1,3}):(?P<choice>[0-3])",
):
    """One of a question's four answers. Rebuilt from its custom id, so a press on an old
    message (after the game, or after a restart) gets a clear answer too."""

    def __init__(self, game_id: int, round_number: int, choice: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80] or LETTERS[choice],
                style=discord.ButtonStyle.secondary,
                custom_id=f"lb:tv:{game_id}:{round_number}:{choice}",
                emoji=["🇦", "🇧", "🇨", "🇩"][choice],
            )
        )
        self.game_id = game_id
        self.round_number = round_number
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> AnswerButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["game"]), int(match["round"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the presser's answer (once), privately confirmed."""
        try:
            cog = interaction.client.get_cog("Trivia")
            if not isinstance(cog, Trivia):
                raise UserFacingError("Trivia is not running; please try again later.")
            await cog.press(interaction, self.game_id, self.round_number, self.choice)
        except Exception as exc:  # a persistent button has no view to answer its errors
            await handle_component_error(interaction, exc)


@dataclass
class _Running:
    """A game this process is playing: its task, channel, language and current message."""

    game: Game
    channel: discord.abc.Messageable
    m: Messages
    task: asyncio.Task[None] | None = None
    message: discord.Message | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class Trivia(
    commands.GroupCog,
    group_name=_("trivia"),
    group_description=_("A Look Back quiz on buttons, with a server leaderboard."),
):
    """Trivia games."""

    def __init__(self, bot: LookBackBot) -> None:
        self.bot = bot
        super().__init__()
        if bot.services is None:
            raise RuntimeError("The services are built in setup_hook, before the cogs load")
        self.trivia: TriviaService = bot.services.trivia
        self.running: dict[int, _Running] = {}  # by game id
        self._presses: dict[int, float] = {}
        self._starts: dict[tuple[int, int], float] = {}

    async def cog_load(self) -> None:
        """Register the answer buttons; end the games a previous process left running."""
        self.bot.add_dynamic_items(AnswerButton)
        if self.trivia.db.read_only:
            return
        try:
            interrupted = await self.trivia.end_interrupted()
        except Exception:
            log.exception("Could not end the trivia games left running")
            return
        for channel_id, game_id, scores in interrupted:
            game = await self.trivia.db.trivia.game(game_id)
            m = messages(lang_of(game.lang if game else "en"))
            try:
                channel = self.bot.get_partial_messageable(channel_id)
                await post(channel, summary_card("interrupted", scores, m=m))
            except discord.HTTPException as exc:
                log.warning("Could not tell channel %s its game ended: %s", channel_id, exc)

    async def cog_unload(self) -> None:
        """Stop the games' timers (a new process ends them as interrupted)."""
        self.bot.remove_dynamic_items(AnswerButton)
        for running in list(self.running.values()):
            if running.task is not None:
                running.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running.task

    # -- commands -----------------------------------------------------------------------------

    @app_commands.command(name=_("start"), description=_("Start a trivia game in this channel."))
    @app_commands.describe(
        rounds=_("How many questions (1-20, default 5)."),
        spoilers=_("Include questions that reveal the story (default: no)."),
    )
    @app_commands.rename(rounds=_("rounds"), spoilers=_("spoilers"))
    async def start(
        self,
        interaction: discord.Interaction[Any],
        rounds: app_commands.Range[int, 1, MAX_ROUNDS] = DEFAULT_ROUNDS,
        spoilers: bool = False,
    ) -> None:
        """Start a trivia game in this channel."""
        m = reply_messages(interaction)
        channel = interaction.channel
        if interaction.guild_id is None or not isinstance(channel, discord.abc.Messageable):
            raise UserFacingError("Trivia is played in a server's channel.")
        # A cooldown counted from the last game a member started (a refused start costs none).
        who, now = (interaction.guild_id, interaction.user.id), interaction.created_at.timestamp()
        last = self._starts.get(who)
        if last is not None and now - last < START_COOLDOWN:
            raise app_commands.CommandOnCooldown(
                app_commands.Cooldown(1, START_COOLDOWN), START_COOLDOWN - (now - last)
            )
        game = await self.trivia.start(
            interaction.guild_id,
            interaction.channel_id or 0,
            interaction.user.id,
            rounds,
            spoilers,
            m.lang,
        )
        self._starts[who] = now
        running = self.running[game.id] = _Running(game, channel, m)
        text = m.ngettext(
            "**Trivia!** {count} question, {seconds} seconds. Press the answer you think is "
            "right: one answer, faster is worth more. {starter} or a moderator can end it "
            "with /trivia stop.",
            "**Trivia!** {count} questions, {seconds} seconds each. Press the answer you think "
            "is right: one answer per question, faster is worth more. {starter} or a "
            "moderator can end it with /trivia stop.",
            len(game.questions),
            seconds=ROUND_SECONDS,
            starter=interaction.user.mention,
        )
        if spoilers:
            text += "\n⚠️ " + m._("Spoiler questions are included.")
        await respond(interaction, content=text)
        running.task = asyncio.create_task(self._play(running), name=f"trivia-{game.id}")

    @app_commands.command(name=_("stop"), description=_("End the trivia game in this channel."))
    async def stop(self, interaction: discord.Interaction[Any]) -> None:
        """End the trivia game in this channel."""
        m = reply_messages(interaction)
        game = self.trivia.games.get(interaction.channel_id or 0)
        running = self.running.get(game.id) if game else None
        if game is None or running is None:
            raise UserFacingError("No trivia game is running in this channel.")
        if interaction.user.id != game.starter_id and not await self._is_moderator(interaction):
            raise UserFacingError(
                "Only the member who started this game or a moderator can stop it."
            )
        await respond(interaction, content=m._("Stopping the game."), ephemeral=True)
        await self._conclude(running, "stopped")

    @app_commands.command(
        name=_("leaderboard"), description=_("This server's best trivia players.")
    )
    @app_commands.describe(period=_("All time, or this month only."))
    @app_commands.rename(period=_("period"))
    async def leaderboard(
        self, interaction: discord.Interaction[Any], period: Literal["all", "month"] = "all"
    ) -> None:
        """This server's best trivia players."""
        m = reply_messages(interaction)
        if interaction.guild_id is None:
            raise UserFacingError("Trivia is played in a server's channel.")
        scores = await self.trivia.leaderboard(interaction.guild_id, period == "month")
        await respond(interaction, card=leaderboard_card(scores, period == "month", m=m))

    @app_commands.command(name=_("stats"), description=_("A member's trivia points and rank."))
    @app_commands.describe(member=_("Whose (default: yours)."))
    @app_commands.rename(member=_("member"))
    async def stats(
        self, interaction: discord.Interaction[Any], member: discord.Member | None = None
    ) -> None:
        """A member's trivia points and rank."""
        m = reply_messages(interaction)
        if interaction.guild_id is None:
            raise UserFacingError("Trivia is played in a server's channel.")
        user_id = member.id if member is not None else interaction.user.id
        score, rank = await self.trivia.stats(interaction.guild_id, user_id)
        await respond(interaction, card=stats_card(user_id, score, rank, m=m))

    # -- the game -----------------------------------------------------------------------------

    async def _is_moderator(self, interaction: discord.Interaction[Any]) -> bool:
        moderation = self.bot.moderation
        if moderation is None or interaction.guild_id is None:
            return False
        return await moderation.is_moderator(interaction.guild_id, actor_of(interaction))

    def _round_view(self, game: Game, turn: Round) -> discord.ui.View:
        """The four answer buttons; once the round is closed the right one turns green (they
        stay pressable: a late press is told the question is closed)."""
        view = discord.ui.View(timeout=None)
        for choice, label in enumerate(turn.choices):
            button = AnswerButton(game.id, turn.number, choice, label)
            if turn.closed and choice == turn.right:
                button.item.style = discord.ButtonStyle.success
            view.add_item(button)
        return view

    async def _play(self, running: _Running) -> None:
        """Ask every question on a timer; end the game when they run out or nobody plays."""
        game, m = running.game, running.m
        status = "finished"
        try:
            while game.has_more and game.ended is None:
                turn = self.trivia.open_round(game)
                total = len(game.questions)
                running.message = await post(
                    running.channel,
                    question_card(total, turn, m=m),
                    view=self._round_view(game, turn),
                )
                await asyncio.sleep(ROUND_SECONDS)
                await self._close_round(running)
                if game.is_idle:
                    status = "idle"
                    break
                if game.has_more:
                    await asyncio.sleep(REVEAL_SECONDS)
        except asyncio.CancelledError:
            return  # stopped (its summary is posted by `_conclude`) or the bot is closing
        except Exception:
            log.exception("Trivia game %s failed", game.id)
            status = "stopped"
        running.task = None
        await self._conclude(running, status)

    async def _close_round(self, running: _Running) -> None:
        game, m = running.game, running.m
        turn = game.close_round()
        if turn is not None and running.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await running.message.edit(
                    view=self._round_view(game, turn), allowed_mentions=NO_PINGS
                )
        if turn is not None:
            await post(running.channel, reveal_card(len(game.questions), turn, m=m))

    async def _conclude(self, running: _Running, status: str) -> None:
        """End a game once: close its round, store the end, post the summary."""
        if running.done.is_set():
            return
        running.done.set()
        task, running.task = running.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        game = running.game
        current = game.current
        if current is not None and not current.closed:
            await self._close_round(running)
        scores = await self.trivia.end(game, status)
        self.running.pop(game.id, None)
        await post(running.channel, summary_card(status, scores, m=running.m))

    async def press(
        self, interaction: discord.Interaction[Any], game_id: int, round_number: int, choice: int
    ) -> None:
        """A player pressed an answer."""
        m = reply_messages(interaction)
        now = interaction.created_at.timestamp()
        last = self._presses.get(interaction.user.id)
        if last is not None and now - last < PRESS_INTERVAL:
            await respond(interaction, content=m._("Slow down: one press a second."),
                          ephemeral=True)  # fmt: skip
            return
        self._presses[interaction.user.id] = now
        outcome, turn = await self.trivia.answer(game_id, round_number, interaction.user.id, choice)
        if outcome == "over":
            text = m._("This trivia game is over. /trivia start begins a new one.")
        elif outcome == "closed":
            text = m._("This question is closed: answer the current one.")
        elif outcome == "already":
            text = m._("You already answered this question; answers can't be changed.")
        else:
            assert turn is not None
            text = m._(
                "Locked in: **{letter}. {answer}**. The answer is shown when time is up.",
                letter=LETTERS[choice],
                answer=discord.utils.escape_markdown(turn.choices[choice]),
            )
        await respond(interaction, content=text, ephemeral=True)


async def setup(bot: LookBackBot) -> None:
    """Load the cog."""
    await bot.add_cog(Trivia(bot))
