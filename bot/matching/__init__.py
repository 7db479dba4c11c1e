"""Question matching: the one place where a user's words are matched to entries.

`analysis` turns text into tokens, `stored` is what the index keeps of an entry (also stored in
the database), `scoring` holds the weights and thresholds, and `index` the in-memory inverted
index with the `Matcher`: `Matcher.search` answers questions, `Matcher.complete` autocompletes.
`snapshot` is the format of the whole index as a few stored values, which start-up reads back.
Nothing here imports discord.py or touches the database.
"""

from bot.matching.analysis import analyse, analyse_pairs, normalize
from bot.matching.index import Hit, Matcher, SearchResult
from bot.matching.stored import ANALYSIS_VERSION, IndexRow, index_row

__all__ = [
    "ANALYSIS_VERSION",
    "Hit",
    "IndexRow",
    "Matcher",
    "SearchResult",
    "analyse",
    "analyse_pairs",
    "index_row",
    "normalize",
]
