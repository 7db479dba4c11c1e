"""Buttons and views: owned views, page turning, did-you-mean suggestions."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot import constants as c
from bot.cards.base import Card
from bot.cards.embed import card_embed
from bot.i18n import EN, Messages
from bot.ui.errors import handle_component_error
from bot.ui.language import reply_messages
from bot.ui.respond import NO_PINGS, respond

log = logging.getLogger(__name__)


class OwnedView(discord.ui.View):
    """A view only the person who asked may use; disabled (and edited) when it times out."""

    def __init__(self, owner_id: int, timeout: float = c.VIEW_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Refuse clicks from anyone but the owner, with a short ephemeral note."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            reply_messages(interaction)._(
                "These buttons belong to the person who asked. Run the command yourself to "
                "get your own."
            ),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """A button failed: answered like a failed command (`bot.ui.errors`)."""
        await handle_component_error(interaction, error)

    async def on_timeout(self) -> None:
        """Grey the buttons out so nobody clicks a dead view."""
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as exc:
                log.debug("Could not disable a timed-out view: %s", exc)


class PagesView(OwnedView):
    """Previous/Next over a list of cards."""

    def __init__(
        self,
        owner_id: int,
        pages: Sequence[Card],
        timeout: float = c.VIEW_TIMEOUT_SECONDS,
        *,
        m: Messages = EN,
    ) -> None:
        super().__init__(owner_id, timeout)
        self.pages = list(pages)
        self.index = 0
        self.previous.label = m._("Previous")
        self.next.label = m._("Next")
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    def current_embed(self) -> discord.Embed:
        """The embed of the page shown now."""
        return card_embed(self.pages[self.index])

    async def _show(self, interaction: discord.Interaction[Any], index: int) -> None:
        shown = self.index
        self.index = max(0, min(len(self.pages) - 1, index))
        self._sync_buttons()
        try:
            await interaction.response.edit_message(embed=self.current_embed(), view=self)
        except BaseException:
            # The message still shows the old page: stay on it, or the next click skips one.
            self.index = shown
            self._sync_buttons()
            raise

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[PagesView]
    ) -> None:
        """Show the page before."""
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[PagesView]
    ) -> None:
        """Show the page after."""
        await self._show(interaction, self.index + 1)


async def send_pages(
    interaction: discord.Interaction[Any], pages: Sequence[Card], *, ephemeral: bool = False
) -> None:
    """One card as a plain reply; several with Previous/Next buttons."""
    if len(pages) == 1:
        await respond(interaction, card=pages[0], ephemeral=ephemeral)
        return
    view = PagesView(interaction.user.id, pages, m=reply_messages(interaction))
    view.message = await respond(
        interaction, embed=view.current_embed(), view=view, ephemeral=ephemeral
    )


SuggestionHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]


class SuggestionButton(discord.ui.Button["SuggestionsView"]):
    """One 'did you mean' suggestion; answers the suggested entry when clicked."""

    def __init__(self, label: str, uid: str, row: int) -> None:
        super().__init__(
            label=label[: c.BUTTON_LABEL_MAX], style=discord.ButtonStyle.secondary, row=row
        )
        self.uid = uid

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Answer the suggested entry."""
        assert self.view is not None
        await self.view.handler(interaction, self.uid)


class SuggestionsView(OwnedView):
    """Up to three 'did you mean' buttons, usable by the asker only."""

    def __init__(
        self, owner_id: int, suggestions: Sequence[tuple[str, str]], handler: SuggestionHandler
    ) -> None:
        super().__init__(owner_id)
        self.handler = handler
        for row, (label, uid) in enumerate(suggestions[: c.SUGGESTIONS_MAX]):
            self.add_item(SuggestionButton(label, uid, row))


class PostAnswerView(OwnedView):
    """ "Post answer" under a private answer ("Ask Look Back" on a message): posts the same
    card publicly in the channel, with a link to the message that asked. Once only."""

    def __init__(
        self, owner_id: int, embed: discord.Embed, jump_url: str, *, m: Messages = EN
    ) -> None:
        super().__init__(owner_id)
        self.embed = embed
        self.jump_url = jump_url
        self.m = m
        self.post.label = m._("Post answer")

    @discord.ui.button(label="Post answer", style=discord.ButtonStyle.primary, emoji="📣")
    async def post(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[PostAnswerView]
    ) -> None:
        """Post the answer for everyone, then grey the button out."""
        self.stop()  # one post per answer, even if greying the button out fails
        await interaction.response.send_message(
            content=self.m._("Answering {link}", link=self.jump_url),
            embed=self.embed,
            allowed_mentions=NO_PINGS,
        )
        button.disabled = True
        button.label = self.m._("Posted")
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as exc:
                log.debug("Could not grey out a posted answer's button: %s", exc)
