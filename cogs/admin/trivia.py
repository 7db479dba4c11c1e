"""/admin trivia: this server's own trivia questions (add, edit, remove, list) and hiding a
shipped question here.

Everything they do is `bot.moderation.trivia.TriviaModeration`'s (validated as the content
pack is, audited, undoable with /admin undo). A refused form loses nothing: the reply says
what to fix and its button opens the form again with what was typed.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str as _

from bot.cards.base import Card
from bot.cards.trivia import trivia_change_message, trivia_list_pages, trivia_question_card
from bot.domain.models import TriviaQuestion
from bot.domain.text import clip
from bot.errors import UserFacingError
from bot.i18n import EN, Messages
from bot.moderation.trivia import TriviaEditConflict, form_fields, source_text
from bot.moderation.types import MODAL_TITLE_MAX, NotModerator, TriviaChange
from bot.ui.errors import handle_component_error, user_message
from bot.ui.language import reply_messages
from bot.ui.respond import respond
from cogs.admin._base import AdminBase, _moderator_choices
from cogs.admin._views import FORM_TIMEOUT_SECONDS, ModeratorPagesView, ModeratorView, _text

log = logging.getLogger(__name__)

QuestionOption = app_commands.Range[str, 1, 100]
#: The form's fields (the pack limits: a question 300 characters, an answer 80).
_WRONG_MAX = 3 * 80 + 2
_SOURCE_MAX = 500 + 1 + 200


async def _own_questions(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: this server's own questions (moderators only)."""
    return await _moderator_choices(
        interaction, lambda admin, guild_id, m: admin.trivia.own_choices(guild_id, current)
    )


async def _shipped_questions(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: shipped questions this server still asks (moderators only)."""
    return await _moderator_choices(
        interaction, lambda admin, guild_id, m: admin.trivia.shipped_choices(guild_id, current)
    )


async def _hidden_questions(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete: shipped questions this server hid (moderators only)."""
    return await _moderator_choices(
        interaction, lambda admin, guild_id, m: admin.trivia.hidden_choices(guild_id, current)
    )


class TriviaForm(discord.ui.Modal):
    """Add or edit a question: the question, the right answer, three wrong ones (one per
    line), the source (address, then name) and the spoiler mark. `typed` refills it after a
    refusal."""

    def __init__(
        self,
        cog: AdminBase,
        question: TriviaQuestion | None,
        m: Messages = EN,
        typed: dict[str, Any] | None = None,
    ) -> None:
        title = m._("Edit trivia question") if question else m._("Add a trivia question")
        super().__init__(title=clip(title, MODAL_TITLE_MAX), timeout=FORM_TIMEOUT_SECONDS)
        self.cog = cog
        self.m = m
        self.question = question  # as the form shows it: a change meanwhile is caught
        shown: dict[str, Any] = typed or {}
        if question is not None and typed is None:
            shown = {
                "question": question.question,
                "answer": question.answer,
                "wrong": "\n".join(question.wrong),
                "source": source_text(question),
                "spoiler": question.spoiler,
            }
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        self._add(
            m._("Question"),
            _text("question", max_length=300, paragraph=True, default=shown.get("question")),
        )
        self._add(
            m._("Right answer"),
            _text("answer", max_length=80, default=shown.get("answer")),
            m._("At most 80 characters: it is a button's label."),
        )
        self._add(
            m._("Wrong answers"),
            _text("wrong", max_length=_WRONG_MAX, paragraph=True, default=shown.get("wrong")),
            m._("Three, one per line; each different from the right answer."),
        )
        self._add(
            m._("Source"),
            _text(
                "source",
                max_length=_SOURCE_MAX,
                paragraph=True,
                default=shown.get("source"),
                placeholder="https://…",
            ),
            m._("Its https:// address; on a second line its name (else the site's name)."),
        )
        self.checkbox: discord.ui.Checkbox[Any] = discord.ui.Checkbox(
            custom_id="spoiler", default=bool(shown.get("spoiler"))
        )
        self.add_item(
            discord.ui.Label(
                text=m._("Spoiler"),
                component=self.checkbox,
                description=m._("Tick if it gives away late-story events (asked only then)."),
            )
        )

    def _add(self, label: str, text_input: discord.ui.TextInput[Any], hint: str = "") -> None:
        self.inputs[text_input.custom_id] = text_input
        self.add_item(discord.ui.Label(text=label, component=text_input, description=hint or None))

    def typed(self) -> dict[str, Any]:
        """What was typed, as the fields hold it (to offer the form again)."""
        values: dict[str, Any] = {k: i.value or "" for k, i in self.inputs.items()}
        values["spoiler"] = bool(self.checkbox.value)
        return values

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Moderators only, checked again at submission (roles can change while typing)."""
        await self.cog.require_moderator(interaction)
        return True

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        """Save the question and show it; on a problem, say what to fix and offer the form
        again with what was typed."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        m = reply_messages(interaction)
        typed = self.typed()
        fields = form_fields(
            typed["question"], typed["answer"], typed["wrong"], typed["source"], typed["spoiler"]
        )
        guild_id = self.cog._guild_id(interaction)
        trivia = self.cog.admin.trivia
        try:
            if self.question is None:
                change = await trivia.add(guild_id, interaction.user.id, fields)
            else:
                change = await trivia.edit(
                    guild_id, interaction.user.id, self.question.key, fields, self.question
                )
        except NotModerator:
            raise
        except UserFacingError as exc:
            problem = user_message(exc, m) or ""
            # After someone else's edit, a retry starts from their version (and replaces it).
            based_on = exc.current if isinstance(exc, TriviaEditConflict) else self.question
            view = RetryView(self.cog, interaction.user.id, based_on, typed, m)
            view.message = await respond(
                interaction,
                content=m._("Nothing was saved. {problem}", problem=problem),
                view=view,
                ephemeral=True,
            )
            return
        await show_change(interaction, change)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Answered like a failed command (`bot.ui.errors`)."""
        await handle_component_error(interaction, error)


class RetryView(ModeratorView):
    """ "Edit and try again" under a refused form: the same form, refilled as typed."""

    def __init__(
        self,
        cog: AdminBase,
        owner_id: int,
        question: TriviaQuestion | None,
        typed: dict[str, Any],
        m: Messages = EN,
    ) -> None:
        super().__init__(cog, owner_id)
        self.question = question
        self.typed = typed
        self.retry.label = m._("Edit and try again")

    @discord.ui.button(label="Edit and try again", style=discord.ButtonStyle.primary, emoji="✏️")
    async def retry(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[RetryView]
    ) -> None:
        """Open the form again with what was typed."""
        form = TriviaForm(self.cog, self.question, reply_messages(interaction), self.typed)
        await interaction.response.send_modal(form)


async def show_change(interaction: discord.Interaction[Any], change: TriviaChange) -> None:
    """What a change did, with the question as it is now (ephemeral)."""
    m = reply_messages(interaction)
    shown = change.after if change.action != "hide" else change.before
    card = trivia_question_card(shown, m=m) if shown is not None and change.changed else None
    await respond(
        interaction, content=trivia_change_message(change, m=m), card=card, ephemeral=True
    )


class TriviaCommands(AdminBase):
    """/admin trivia add, edit, remove, list, hide, unhide."""

    trivia = app_commands.Group(
        name=_("trivia"),
        description=_("This server's own trivia questions; hide shipped ones here."),
    )

    @trivia.command(name=_("add"), description=_("Add a trivia question (opens a form)."))
    async def trivia_add(self, interaction: discord.Interaction[Any]) -> None:
        """Add a trivia question (opens a form)."""
        await interaction.response.send_modal(TriviaForm(self, None, reply_messages(interaction)))

    @trivia.command(
        name=_("edit"), description=_("Edit one of this server's trivia questions (a form).")
    )
    @app_commands.describe(question=_("The question (pick it from the list)."))
    @app_commands.rename(question=_("question"))
    @app_commands.autocomplete(question=_own_questions)
    async def trivia_edit(
        self, interaction: discord.Interaction[Any], question: QuestionOption
    ) -> None:
        """Edit one of this server's trivia questions (a form)."""
        found = await self.admin.trivia.own_question(self._guild_id(interaction), question)
        await interaction.response.send_modal(TriviaForm(self, found, reply_messages(interaction)))

    @trivia.command(
        name=_("remove"), description=_("Remove one of this server's trivia questions.")
    )
    @app_commands.describe(question=_("The question (pick it from the list)."))
    @app_commands.rename(question=_("question"))
    @app_commands.autocomplete(question=_own_questions)
    async def trivia_remove(
        self, interaction: discord.Interaction[Any], question: QuestionOption
    ) -> None:
        """Remove one of this server's trivia questions."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.admin.trivia.remove(
            self._guild_id(interaction), interaction.user.id, question
        )
        await show_change(interaction, change)

    @trivia.command(
        name=_("list"), description=_("This server's own trivia questions and hidden ones.")
    )
    async def trivia_list(self, interaction: discord.Interaction[Any]) -> None:
        """This server's own trivia questions and hidden ones."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = self._guild_id(interaction)
        trivia = self.admin.trivia
        m = reply_messages(interaction)
        pages = trivia_list_pages(
            await trivia.own(guild_id),
            await trivia.hidden(guild_id),
            len(trivia.service.questions),
            m=m,
        )
        await self._trivia_pages(interaction, pages, m)

    async def _trivia_pages(
        self, interaction: discord.Interaction[Any], pages: list[Card], m: Messages
    ) -> None:
        if len(pages) == 1:
            await respond(interaction, card=pages[0], ephemeral=True)
            return
        view = ModeratorPagesView(self, interaction.user.id, pages, m)
        view.message = await respond(
            interaction, embed=view.current_embed(), view=view, ephemeral=True
        )

    @trivia.command(
        name=_("hide"), description=_("Stop asking a shipped trivia question in this server.")
    )
    @app_commands.describe(question=_("The question (pick it from the list)."))
    @app_commands.rename(question=_("question"))
    @app_commands.autocomplete(question=_shipped_questions)
    async def trivia_hide(
        self, interaction: discord.Interaction[Any], question: QuestionOption
    ) -> None:
        """Stop asking a shipped trivia question in this server."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.admin.trivia.hide(
            self._guild_id(interaction), interaction.user.id, question
        )
        await show_change(interaction, change)

    @trivia.command(
        name=_("unhide"), description=_("Ask a shipped trivia question this server hid again.")
    )
    @app_commands.describe(question=_("The question (pick it from the list)."))
    @app_commands.rename(question=_("question"))
    @app_commands.autocomplete(question=_hidden_questions)
    async def trivia_unhide(
        self, interaction: discord.Interaction[Any], question: QuestionOption
    ) -> None:
        """Ask a shipped trivia question this server hid again."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        change = await self.admin.trivia.unhide(
            self._guild_id(interaction), interaction.user.id, question
        )
        await show_change(interaction, change)
