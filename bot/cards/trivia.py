"""Trivia cards: a question, its answer, a game's summary, the leaderboard and a member's
stats. Members are shown as mentions (the bot never lets them ping)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot import constants as c
from bot.cards.base import Card, chunks, timestamp
from bot.domain.models import TriviaQuestion, TriviaScore
from bot.domain.safety import safe_display
from bot.domain.text import clip
from bot.domain.trivia import Round
from bot.i18n import EN, N_, Messages
from bot.moderation.types import TriviaChange
from bot.moderation.wording import _inline, shown

COLOUR_TRIVIA = 0x5B8DEF
LETTERS = ("A", "B", "C", "D")


def question_card(game_rounds: int, turn: Round, *, m: Messages = EN) -> Card:
    """The question with its four answers and a countdown every reader sees in their zone."""
    lines = [f"**{safe_display(turn.question.question)}**", ""]
    lines += [f"{LETTERS[i]}. {safe_display(choice)}" for i, choice in enumerate(turn.choices)]
    lines += ["", m._("Time is up {countdown}.", countdown=timestamp(turn.closes_at, "R"))]
    return Card(
        title=m._(
            "Trivia · question {number} of {rounds}", number=turn.number + 1, rounds=game_rounds
        ),
        description=clip("\n".join(lines), c.EMBED_DESCRIPTION_MAX),
        footer=m._("One answer each; it can't be changed."),
        colour=COLOUR_TRIVIA,
    )


def _mentions(users: Sequence[int], limit: int = 40) -> str:
    shown = " ".join(f"<@{u}>" for u in users[:limit])
    return shown + (f" (+{len(users) - limit})" if len(users) > limit else "")


def reveal_card(game_rounds: int, turn: Round, *, m: Messages = EN) -> Card:
    """The right answer, its source, and who got it."""
    right = f"{LETTERS[turn.right]}. {safe_display(turn.choices[turn.right])}"
    winners = turn.winners
    if winners:
        got = m.ngettext(
            "{count} player got it: {players}", "{count} players got it: {players}",
            len(winners), players=_mentions(winners),
        )  # fmt: skip
    elif turn.answers:
        got = m._("Nobody got it.")
    else:
        got = m._("Nobody answered.")
    return Card(
        title=m._(
            "Trivia · answer {number} of {rounds}", number=turn.number + 1, rounds=game_rounds
        ),
        description=clip(
            m._("The answer: **{answer}**", answer=right) + "\n" + got, c.EMBED_DESCRIPTION_MAX
        ),
        source_name=safe_display(turn.question.source_name),
        source_url=turn.question.source_url,
        colour=COLOUR_TRIVIA,
    )


def _score_lines(scores: Sequence[TriviaScore], m: Messages) -> list[str]:
    return [
        f"{rank}. <@{s.user_id}> — "
        + m.ngettext("{count} point", "{count} points", s.points)
        + " · "
        + m.ngettext("{count} right", "{count} right", s.correct)
        for rank, s in enumerate(scores, start=1)
    ]


def summary_card(status: str, scores: Sequence[TriviaScore], *, m: Messages = EN) -> Card:
    """The end of a game: why it ended and the points of each player."""
    reason = {
        "finished": m._("That was the last question."),
        "stopped": m._("The game was stopped."),
        "idle": m._("Nobody answered for a while, so the game ended."),
        "interrupted": m._(
            "The bot restarted during this game, so it ended here. The points won are kept."
        ),
    }.get(status, "")
    lines = _score_lines(scores, m) or [m._("Nobody scored.")]
    return Card(
        title=m._("Trivia · game over"),
        description=clip(reason + "\n\n" + "\n".join(lines), c.EMBED_DESCRIPTION_MAX),
        footer=m._("/trivia leaderboard shows the server's best players."),
        colour=COLOUR_TRIVIA,
    )


def leaderboard_card(scores: Sequence[TriviaScore], month: bool, *, m: Messages = EN) -> Card:
    """A server's best trivia players."""
    title = (
        m._("Trivia leaderboard · this month") if month else m._("Trivia leaderboard · all time")
    )
    lines = _score_lines(scores, m) or [m._("No points yet: /trivia start begins a game.")]
    return Card(
        title=title, description=clip("\n".join(lines), c.EMBED_DESCRIPTION_MAX),
        colour=COLOUR_TRIVIA,
    )  # fmt: skip


def stats_card(user_id: int, score: TriviaScore, rank: int, *, m: Messages = EN) -> Card:
    """One member's trivia totals in a server."""
    if not score.answered:
        text = m._("<@{user}> has not played trivia here yet.", user=user_id)
        return Card(title=m._("Trivia stats"), description=text, colour=COLOUR_TRIVIA)
    share = round(100 * score.correct / score.answered)
    return Card(
        title=m._("Trivia stats"),
        description=f"<@{user_id}>",
        fields=(
            (m._("Points"), str(score.points)),
            (m._("Rank"), f"#{rank}"),
            (m._("Right answers"), f"{score.correct}/{score.answered} ({share}%)"),
            (m._("Games"), str(score.games)),
        ),
        colour=COLOUR_TRIVIA,
    )


# -- /admin trivia: a server's own questions --------------------------------------------------

LIST_PER_PAGE = 8

#: What a change did to a trivia question (`{name}`: the question, named by `question_name`).
_TRIVIA_ACTIONS: Final = {
    "add": N_("Added the trivia question {name}."),
    "edit": N_("Saved the trivia question {name}."),
    "remove": N_("Removed the trivia question {name}."),
    "hide": N_("Hidden in this server: the trivia question {name}."),
    "unhide": N_("Asked again in this server: the trivia question {name}."),
    "undo": N_("Undone the last change of the trivia question {name}."),
}


def question_name(question: TriviaQuestion | None, key: str) -> str:
    """A question named safely for a message: **Who drew …?** (`key`)."""
    if question is None:
        return f"`{_inline(key)}`"
    return f"**{shown(question.question, 80)}** (`{_inline(key)}`)"


def trivia_change_message(change: TriviaChange, *, m: Messages = EN) -> str:
    """One line saying what a change of a trivia question did."""
    if not change.changed:
        return m._("Nothing changed: that is already how it is saved.")
    name = question_name(change.after or change.before, change.key)
    parts = [m._(_TRIVIA_ACTIONS.get(change.action, "{name}"), name=name)]
    if change.action == "remove" and change.after is not None:
        parts.append(m._("The shipped version is asked again."))
    parts.append(m._("(`/admin undo` reverts it.)"))
    return ("" if m.lang == "ja" else " ").join(parts)


def trivia_question_card(question: TriviaQuestion, *, m: Messages = EN) -> Card:
    """A question as a moderator checks it: the right answer, the wrong ones, the source."""
    lines = [f"**{shown(question.question, 300)}**", ""]
    lines.append("✅ " + shown(question.answer, 80))
    lines += ["❌ " + shown(wrong, 80) for wrong in question.wrong]
    if question.spoiler:
        lines += ["", "⚠️ " + m._("Asked only in games with spoilers.")]
    return Card(
        title=clip(
            m._("Trivia question `{key}`", key=_inline(question.key, 64)), c.EMBED_TITLE_MAX
        ),
        description=clip("\n".join(lines), c.EMBED_DESCRIPTION_MAX),
        source_name=safe_display(question.source_name),
        source_url=question.source_url,
        colour=COLOUR_TRIVIA,
    )


def trivia_list_pages(
    own: Sequence[TriviaQuestion], hidden: Sequence[str], shipped: int, *, m: Messages = EN
) -> list[Card]:
    """This server's own questions, a few per page, and the shipped ones it hid."""
    title = m._("This server's trivia questions")
    summary = m._(
        "{own} of its own · {asked} shipped questions asked · {hidden} hidden",
        own=len(own),
        asked=max(0, shipped - len(hidden)),
        hidden=len(hidden),
    )
    footer = m._("/admin trivia add, edit, remove · /admin trivia hide for shipped ones")
    lines = [
        f"`{_inline(q.key, 40)}` {shown(q.question, 120)}"
        + (" ⚠️" if q.spoiler else "")
        + "\n└ ✅ "
        + shown(q.answer, 80)
        for q in own
    ]
    if not lines:
        lines = [m._("None yet: /admin trivia add opens a form.")]
    hidden_line = ""
    if hidden:
        hidden_line = m._("Hidden shipped questions: {keys}", keys=", ".join(
            f"`{_inline(k, 40)}`" for k in hidden[:30]
        ))  # fmt: skip
        if len(hidden) > 30:
            hidden_line += " " + m._("… and {count} more", count=len(hidden) - 30)
    pages = chunks(lines, LIST_PER_PAGE)
    cards = []
    for number, page in enumerate(pages, 1):
        parts = [summary, "", *page]
        if number == len(pages) and hidden_line:
            parts += ["", hidden_line]
        cards.append(
            Card(
                title=title,
                description=clip("\n".join(parts), c.EMBED_DESCRIPTION_MAX),
                footer=f"{m._('Page {page}/{pages}', page=number, pages=len(pages))} · {footer}",
                colour=COLOUR_TRIVIA,
            )
        )
    return cards
