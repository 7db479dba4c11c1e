"""The matcher's weights and thresholds (see docs/matching.md for how they were chosen)."""

from __future__ import annotations

from typing import Final

# -- tuning (documented in the README's matching section) --------------------------------------
KEY_WEIGHT: Final = 1.0  # a question word found in the title, aliases or tags
BODY_WEIGHT: Final = 0.5  # a question word found only in the answer text
COVERAGE_SHARE: Final = 0.6  # final = 0.6 coverage + 0.3 alias similarity + 0.1 focus
SIMILARITY_SHARE: Final = 0.3
FOCUS_SHARE: Final = 0.1
CONFIDENT_SCORE: Final = 0.62
CONFIDENT_COVERAGE: Final = 0.5
# Facts answer questions; a quote is what someone said. Unless the question asks for a quote,
# a fact that explains it as well as a quote does is the better answer.
QUOTE_PENALTY: Final = 0.04
SUGGEST_SCORE: Final = 0.42
SUGGEST_COVERAGE: Final = 0.3
TYPO_MIN_RATIO: Final = 80.0
TYPO_MIN_LEN: Final = 4
UNKNOWN_WEIGHT: Final = 0.8  # an unknown question word weighs this share of the rarest word
RESCORE_TOP: Final = 40  # candidates that get the (dearer) rapidfuzz alias similarity
COMMON_POSTINGS: Final = 2_000  # skip a word this common when rarer words can retrieve
CANDIDATES_MAX: Final = 400  # entries that get exact coverage scoring
TYPO_SCAN_MAX: Final = 2500  # vocabulary words one unknown word is compared with, at most
PREFIX_SCAN: Final = 200  # titles per kind that autocomplete looks at for a typed prefix
# No work named means the 2024 film: an entry only about the manga ranks a little lower.
DEFAULT_WORK_PENALTY: Final = 0.03
# No work named, yet only the live-action film has what is asked ("what is K2 Pictures"): its
# entry answers when it scores at least this and every entry the question may mean (the 2024
# film, the manga) scores at least the margin below it (Matcher._only_live_action).
LIVE_ACTION_ONLY_SCORE: Final = 0.85
LIVE_ACTION_ONLY_MARGIN: Final = 0.3
# What is asked (bot.matching.asked): the entry's names ask the same kind of question as this
# one ("who …"), or only other kinds ("when …" for a "who" question).
ASKED_BONUS: Final = 0.03
# A question naming another work: the share of its other words (what it asks) its answer may
# leave unexplained (bot.matching.index.Matcher._asks_more_than).
MISSING_ASKED_SHARE: Final = 0.25
ASKED_PENALTY: Final = 0.03
