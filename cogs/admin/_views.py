"""The forms and buttons of /admin: every submission and click checks the moderator again."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

import discord

from bot.cards.base import Card
from bot.cards.embed import card_embed
from bot.domain.models import Entry, Kind
from bot.domain.pack import JA_FIELDS
from bot.domain.text import clip
from bot.i18n import EN, N_, Messages
from bot.moderation.parsing import parse_aliases, source_name_for
from bot.moderation.types import MODAL_TITLE_MAX, TEXT_INPUT_MAX
from bot.ui.errors import handle_component_error
from bot.ui.language import reply_messages
from bot.ui.respond import NO_PINGS
from bot.ui.views import OwnedView, PagesView

if TYPE_CHECKING:
    from cogs.admin._base import AdminBase

log = logging.getLogger(__name__)

FORM_TIMEOUT_SECONDS = 15 * 60.0  # time to type a long answer
#: What a confirmed preview becomes: the message, its card, and buttons to keep (or None).
Confirmed = Callable[
    [discord.Interaction[Any]], Awaitable[tuple[str, Card | None, discord.ui.View | None]]
]


def _text(
    custom_id: str,
    *,
    max_length: int,
    default: str | None = None,
    paragraph: bool = False,
    required: bool = True,
    placeholder: str | None = None,
) -> discord.ui.TextInput[Any]:
    # A pre-filled value longer than the field would make Discord refuse the whole form.
    value = default[:max_length] if default else None
    return discord.ui.TextInput(
        custom_id=custom_id,
        style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
        max_length=max_length,
        min_length=1 if required else None,
        required=required,
        default=value,
        placeholder=placeholder,
    )


class AdminForm(discord.ui.Modal):
    """A form that saves one entry of this server (added, or edited)."""

    def __init__(
        self, cog: AdminBase, kind: Kind, entry: Entry | None, title: str, m: Messages = EN
    ) -> None:
        super().__init__(title=clip(title, MODAL_TITLE_MAX), timeout=FORM_TIMEOUT_SECONDS)
        self.m = m  # the moderator's language: labels here, the reply after saving
        self.cog = cog
        self.kind = kind
        self.key = entry.key if entry is not None else None
        self.seen = entry  # as the form shows it: a change by someone else meanwhile is caught
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        self.checkbox: discord.ui.Checkbox[Any] | None = None

    def add_text(self, label: str, text_input: discord.ui.TextInput[Any], hint: str = "") -> None:
        """Add one labelled text field."""
        self.inputs[text_input.custom_id] = text_input
        self.add_item(discord.ui.Label(text=label, component=text_input, description=hint or None))

    def add_spoiler(self, default: bool) -> None:
        """Add the spoiler checkbox."""
        self.checkbox = discord.ui.Checkbox(custom_id="spoiler", default=default)
        self.add_item(
            discord.ui.Label(
                text=self.m._("Spoiler"),
                component=self.checkbox,
                description=self.m._(
                    "Tick if it gives away late-story events (shown behind a tag)."
                ),
            )
        )

    def value(self, custom_id: str) -> str:
        """What was typed in one field."""
        return (self.inputs[custom_id].value or "").strip()

    def fields(self) -> dict[str, Any]:
        """The entry's fields in the content pack's names."""
        raise NotImplementedError

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Moderators only, checked again at submission (roles can change while typing)."""
        await self.cog.require_moderator(interaction)
        return True

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Save the entry and show it."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.cog.save_form(interaction, self.kind, self.key, self.fields(), self.seen)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Answered like a failed command (`bot.ui.errors`)."""
        await handle_component_error(interaction, error)


class FactForm(AdminForm):
    """Add or edit a fact: title, answer, other names, source, spoiler."""

    def __init__(self, cog: AdminBase, entry: Entry | None, m: Messages = EN) -> None:
        title = m._("Edit fact: {title}", title=entry.title) if entry else m._("Add a fact")
        super().__init__(cog, "fact", entry, title, m)
        self.add_text(
            m._("Title"), _text("title", max_length=100, default=entry.title if entry else None)
        )
        self.add_text(
            m._("Answer"),
            _text("answer", max_length=1500, paragraph=True, default=entry.text if entry else None),
        )
        self.add_text(
            m._("Other names (aliases)"),
            _text(
                "aliases",
                max_length=TEXT_INPUT_MAX,
                paragraph=True,
                required=False,
                default="\n".join(entry.aliases) if entry else None,
                placeholder=m._("One per line: other ways fans ask for it"),
            ),
        )
        self.add_text(
            m._("Source URL"),
            _text(
                "source_url",
                max_length=500,
                default=entry.source_url if entry else None,
                placeholder="https://…",
            ),
        )
        self.add_spoiler(entry.spoiler if entry else False)

    def fields(self) -> dict[str, Any]:
        """The fact's fields."""
        return {
            "title": self.value("title"),
            "answer": self.value("answer"),
            "aliases": parse_aliases(self.inputs["aliases"].value or ""),
            "source_url": self.value("source_url"),
            "spoiler": bool(self.checkbox and self.checkbox.value),
        }


class QuoteForm(AdminForm):
    """Add or edit a quote: text, speaker, occasion, date, source."""

    def __init__(self, cog: AdminBase, entry: Entry | None, m: Messages = EN) -> None:
        title = m._("Edit quote: {title}", title=entry.title) if entry else m._("Add a quote")
        super().__init__(cog, "quote", entry, title, m)
        self.add_text(
            m._("Quote"),
            _text("text", max_length=1500, paragraph=True, default=entry.text if entry else None),
            m._("Word for word, without quotation marks."),
        )
        self.add_text(
            m._("Speaker"),
            _text("speaker", max_length=100, default=entry.speaker if entry else None),
        )
        self.add_text(
            m._("Occasion"),
            _text(
                "occasion",
                max_length=200,
                required=False,
                default=entry.occasion if entry else None,
                placeholder=m._("Interview with …"),
            ),
        )
        self.add_text(
            m._("Said on"),
            _text(
                "said_on",
                max_length=10,
                required=False,
                default=entry.said_on if entry else None,
                placeholder=m._("YYYY, YYYY-MM or YYYY-MM-DD"),
            ),
        )
        self.add_text(
            m._("Source URL"),
            _text(
                "source_url",
                max_length=500,
                default=entry.source_url if entry else None,
                placeholder="https://…",
            ),
        )

    def fields(self) -> dict[str, Any]:
        """The quote's fields."""
        return {
            "text": self.value("text"),
            "speaker": self.value("speaker"),
            "occasion": self.value("occasion"),
            "said_on": self.value("said_on") or None,
            "source_url": self.value("source_url"),
        }


def split_long(text: str, limit: int = TEXT_INPUT_MAX) -> tuple[str, str]:
    """Text for two fields: the first up to `limit`, cut at a paragraph end where possible."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind("\n\n", 0, limit)
    if cut <= 0:
        cut = text.rfind(" ", 0, limit)
    if cut <= 0:
        cut = limit
    return text[:cut].rstrip(), text[cut:].lstrip()


class SynopsisForm(AdminForm):
    """Edit one synopsis section for this server: title, text (two fields), source, spoiler."""

    def __init__(self, cog: AdminBase, entry: Entry, m: Messages = EN) -> None:
        title = m._("Edit synopsis: {section}", section=entry.section)
        super().__init__(cog, "synopsis", entry, title, m)
        first, rest = split_long(entry.text)
        self.add_text(m._("Title"), _text("title", max_length=100, default=entry.title))
        self.add_text(
            m._("Text"), _text("text", max_length=TEXT_INPUT_MAX, paragraph=True, default=first)
        )
        self.add_text(
            m._("Text, continued"),
            _text("text_more", max_length=2000, paragraph=True, required=False, default=rest),
            m._("Only for a text longer than the field above."),
        )
        self.add_text(
            m._("Source URL"), _text("source_url", max_length=500, default=entry.source_url)
        )
        self.add_spoiler(entry.spoiler)

    def fields(self) -> dict[str, Any]:
        """The section's fields."""
        more = self.value("text_more")
        return {
            "title": self.value("title"),
            "text": f"{self.value('text')}\n\n{more}" if more else self.value("text"),
            "source_url": self.value("source_url"),
            "spoiler": bool(self.checkbox and self.checkbox.value),
        }


#: The Japanese form's main text field, by kind: its label (the pack names it in JA_FIELDS).
_JA_TEXT_LABELS: Final[dict[Kind, str]] = {
    "fact": N_("Japanese answer"),
    "quote": N_("Japanese quote"),
    "synopsis": N_("Japanese text"),
    "awards": N_("Japanese outcome"),
}
#: The Japanese form's other fields (after the title and the text), by their pack names.
_JA_MORE_LABELS: Final = {"occasion_ja": N_("Japanese occasion")}
_JA_TEXT_FIRST: Final = 4000  # a synopsis's Japanese text takes two fields (pack limit 6000)


class JapaneseForm(AdminForm):
    """The Japanese text of one entry (any kind): title or name, answer / quote / text /
    outcome, and a Japanese source. Empty fields mean none: Japanese readers then get the
    English text with a one-line note."""

    def __init__(self, cog: AdminBase, entry: Entry, m: Messages = EN) -> None:
        super().__init__(
            cog, entry.kind, entry, m._("Japanese text: {title}", title=entry.title), m
        )
        (title_name, _), (text_name, (text_field, limit)), *more = JA_FIELDS[entry.kind].items()
        self.names = (title_name, text_name)
        self.more = tuple(name for name, _ in more)  # a quote's occasion
        title_label = m._("Japanese name") if entry.kind == "awards" else m._("Japanese title")
        self.add_text(
            title_label,
            _text("title_ja", max_length=100, required=False, default=entry.title_ja),
        )
        text: str = getattr(entry, text_field)
        first, rest = split_long(text, _JA_TEXT_FIRST) if limit > TEXT_INPUT_MAX else (text, "")
        self.add_text(
            m._(_JA_TEXT_LABELS[entry.kind]),
            _text(
                "text_ja",
                max_length=min(limit, _JA_TEXT_FIRST),
                paragraph=True,
                required=False,
                default=first,
            ),
            m._("Empty: Japanese readers see the English text, with a note."),
        )
        if limit > TEXT_INPUT_MAX:
            self.add_text(
                m._("Japanese text, continued"),
                _text(
                    "text_ja_more",
                    max_length=limit - _JA_TEXT_FIRST,
                    paragraph=True,
                    required=False,
                    default=rest,
                ),
                m._("Only for a text longer than the field above."),
            )
        for name, (field_name, most) in more:
            self.add_text(
                m._(_JA_MORE_LABELS.get(name, name)),
                _text(name, max_length=most, required=False, default=getattr(entry, field_name)),
            )
        self.add_text(
            m._("Japanese source"),
            _text(
                "source_name_ja",
                max_length=200,
                required=False,
                default=entry.source_name_ja,
                placeholder=m._("natalie.mu, Oricon, the official site …"),
            ),
            m._("Where the Japanese text comes from, if there is a Japanese source."),
        )
        self.add_text(
            m._("Japanese source URL"),
            _text(
                "source_url_ja",
                max_length=500,
                required=False,
                default=entry.source_url_ja,
                placeholder="https://…",
            ),
        )

    def fields(self) -> dict[str, Any]:
        """The Japanese fields, in the content pack's names (empty: none)."""
        text = self.value("text_ja")
        if "text_ja_more" in self.inputs and self.value("text_ja_more"):
            text = f"{text}\n\n{self.value('text_ja_more')}"
        url = self.value("source_url_ja")
        name = self.value("source_name_ja") or (source_name_for(url) if url else "")
        title_name, text_name = self.names
        return {
            title_name: self.value("title_ja"),
            text_name: text,
            **{more: self.value(more) for more in self.more},
            "source_name_ja": name,
            "source_url_ja": url,
        }


class ModeratorView(OwnedView):
    """Buttons for the moderator who asked, checked again on every click."""

    def __init__(self, cog: AdminBase, owner_id: int) -> None:
        super().__init__(owner_id)
        self.cog = cog

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """The owner only, and only while they may still moderate here."""
        if not await super().interaction_check(interaction):
            return False
        await self.cog.require_moderator(interaction)
        return True


class JapaneseTextView(ModeratorView):
    """ "Add or edit the Japanese text" under a saved entry: opens `JapaneseForm` for it."""

    def __init__(self, cog: AdminBase, owner_id: int, entry: Entry, m: Messages = EN) -> None:
        super().__init__(cog, owner_id)
        self.kind: Kind = entry.kind
        self.key = entry.key
        self.japanese.label = m._("Add or edit the Japanese text")

    @discord.ui.button(label="Japanese text", style=discord.ButtonStyle.secondary, emoji="🇯🇵")
    async def japanese(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[JapaneseTextView]
    ) -> None:
        """Open the Japanese form of the entry as it is now."""
        guild_id = self.cog._guild_id(interaction)
        entry = await self.cog.admin.visible(self.kind, self.key, guild_id)
        await interaction.response.send_modal(
            JapaneseForm(self.cog, entry, reply_messages(interaction))
        )


class ConfirmView(ModeratorView):
    """Save (or Confirm) and Cancel under a preview; nothing happens until Save."""

    def __init__(
        self,
        cog: AdminBase,
        owner_id: int,
        on_confirm: Confirmed,
        confirm_label: str = N_("Save"),
        m: Messages = EN,
    ) -> None:
        super().__init__(cog, owner_id)
        self.on_confirm = on_confirm
        self.m = m
        self.confirm.label = m._(confirm_label)
        self.cancel.label = m._("Cancel")
        self._busy = False

    @discord.ui.button(label="Save", style=discord.ButtonStyle.success)
    async def confirm(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Apply what the preview shows."""
        if self._busy:  # a second click while the first is still being saved
            await interaction.response.send_message(
                self.m._("Already on it."), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        self._busy = True
        try:
            await interaction.response.defer()
            content, card, after = await self.on_confirm(interaction)
        finally:
            self._busy = False
        self.stop()
        message = await interaction.edit_original_response(
            content=content,
            embed=card_embed(card) if card is not None else None,
            view=after,
            allowed_mentions=NO_PINGS,
        )
        if isinstance(after, OwnedView):
            after.message = message

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ConfirmView]
    ) -> None:
        """Leave everything as it is."""
        self.stop()
        await interaction.response.edit_message(
            content=self.m._("Cancelled: nothing was changed."),
            view=None,
            allowed_mentions=NO_PINGS,
        )


class ModeratorPagesView(PagesView):
    """Previous/Next over moderator-only pages (the history), checked again on every click."""

    def __init__(self, cog: AdminBase, owner_id: int, pages: list[Card], m: Messages = EN) -> None:
        super().__init__(owner_id, pages, m=m)
        self.cog = cog

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """The owner only, and only while they may still moderate here."""
        if not await super().interaction_check(interaction):
            return False
        await self.cog.require_moderator(interaction)
        return True


__all__ = [
    "ConfirmView",
    "FactForm",
    "JapaneseForm",
    "JapaneseTextView",
    "ModeratorPagesView",
    "QuoteForm",
    "SynopsisForm",
]
