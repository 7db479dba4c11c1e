"""Answering an interaction safely whatever state it is in, and the views the cogs share."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot import constants as c
from bot.cards import Card
from bot.render_discord import card_embed

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()

#: Set in `interaction.extras` while a public "thinking…" message awaits its answer.
_THINKING = "lookback_thinking"


async def defer_thinking(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge now with a public "thinking…" message; `respond` replaces it later."""
    await interaction.response.defer(thinking=True)
    interaction.extras[_THINKING] = True


async def respond(
    interaction: discord.Interaction[Any],
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> discord.Message | None:
    """Send a reply: the first response, or a followup when already deferred or answered.

    An interaction that expired (Discord's 3-second window, error 10062) is logged, not raised.
    A private reply to a `defer_thinking` removes the public "thinking…" message first: the
    first followup would replace it and show the reply to everyone.
    """
    kwargs: dict[str, Any] = {
        "content": content,
        "ephemeral": ephemeral,
        "allowed_mentions": NO_PINGS,
    }
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    try:
        if not interaction.response.is_done():
            callback = await interaction.response.send_message(**kwargs)
            if view is None:
                return None
            if isinstance(callback.resource, discord.InteractionMessage):
                return callback.resource
            return await _original_response(interaction)
        if interaction.extras.pop(_THINKING, False) and ephemeral:
            await interaction.delete_original_response()
        return await interaction.followup.send(wait=True, **kwargs)
    except discord.NotFound as exc:
        if exc.code in (10062, 10015):
            log.warning("Interaction %s expired before it was answered", interaction.id)
            return None
        raise


async def _original_response(interaction: discord.Interaction[Any]) -> discord.Message | None:
    """The message just sent, for views that edit it later; None (logged) if Discord won't say.

    The answer is already on screen: failing here must not turn it into an error message.
    """
    try:
        return await interaction.original_response()
    except discord.HTTPException as exc:
        log.warning("Could not fetch the response to interaction %s: %s", interaction.id, exc)
        return None


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
            "These buttons belong to the person who asked. Run the command yourself to get "
            "your own.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """A button failed: answered like a failed command (`bot.error_handling`)."""
        from bot.error_handling import handle_component_error  # that module imports this one

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
        self, owner_id: int, pages: Sequence[Card], timeout: float = c.VIEW_TIMEOUT_SECONDS
    ) -> None:
        super().__init__(owner_id, timeout)
        self.pages = list(pages)
        self.index = 0
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
        await respond(interaction, embed=card_embed(pages[0]), ephemeral=ephemeral)
        return
    view = PagesView(interaction.user.id, pages)
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
