"""Small text helpers shared by the parser and the matcher.

They tidy what is left of a sentence once dates, priorities and tags have been cut out, so a
title keeps the person's own words and casing ("send invoice to Acme") without connective junk.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:.!?])")
_REPEATED_COMMAS = re.compile(r"(?:\s*[,;]\s*){2,}")
_EDGE_JUNK = (
    r"(?:and|with|on|by|due|at|also|plus|please|pls|then|is|it's|its|as|for|to|of|"
    r"which\s+is|that\s+is|priority)"
)
_TRAILING = re.compile(r"(?:[\s,;:.!?\-–—]+|\s+" + _EDGE_JUNK + r")+$", re.IGNORECASE)
_LEADING = re.compile(r"^(?:[\s,;:.!?\-–—]+|(?:and|with|also|please|pls|then|to)\b)+", re.IGNORECASE)
_QUOTES = re.compile(r"""^["'“”‘’`]+|["'“”‘’`]+$""")

# Leading discourse markers that carry no command ("actually, delete it", "ok so add milk").
_DISCOURSE = re.compile(
    r"^(?:(?:actually|ok|okay|oh|oops|hmm+|um+|uh+|well|so|and|also|then|now|please|pls|plz|kindly|just|hey|hi|"
    r"hello|yo|alright|right|great|cool|wait|sorry|no\s+wait|"
    r"can\s+you|could\s+you|would\s+you|will\s+you|can\s+u|could\s+u|would\s+you\s+please|"
    r"i\s+want\s+you\s+to|i'd\s+like\s+you\s+to|i\s+would\s+like\s+you\s+to|go\s+ahead\s+and|help\s+me)"
    r"\b[\s,;:.!-]*)+",
    re.IGNORECASE,
)
# A change of mind before the command ("never mind, remove it", "on second thought: make it friday");
# said alone, "never mind" is an answer, not a filler, so it is dropped only before something.
_CHANGE_OF_MIND = re.compile(
    r"^(?:never\s*mind|nvm|on\s+second\s+thoughts?|scratch\s+that|forget\s+that|changed\s+my\s+mind)"
    r"(?:\s*[,;:.!-]+\s*(?=\S)|\s+(?=(?:just\s+)?(?:delete|remove|drop|cancel|make|move|change|mark|undo|add|set|"
    r"put|rename|reopen|complete|keep|leave)\b))",
    re.IGNORECASE,
)
_TRAILING_POLITE = re.compile(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank\s+you|thx|for\s+me|now|ok|okay))+[\s.!?]*$|[\s.!?]+$",
    re.IGNORECASE,
)


def squash(text: str) -> str:
    """Collapse runs of whitespace and trim."""
    return _SPACES.sub(" ", text).strip()


def strip_discourse(text: str) -> str:
    """Drop leading fillers ("actually,", "can you") and trailing politeness/punctuation."""
    text = squash(text)
    previous = None
    while previous != text:
        previous = text
        text = _DISCOURSE.sub("", _CHANGE_OF_MIND.sub("", text))
        text = _TRAILING_POLITE.sub("", text).strip()
    return text


_EMPTY_BRACKETS = re.compile(r"\(\s*[,;]?\s*\)|\[\s*[,;]?\s*\]")


def clean_title(text: str) -> str:
    """Tidy a title after phrases were cut out of it: spacing, edge punctuation, connectives, quotes."""
    text = _REPEATED_COMMAS.sub(", ", text)
    text = _EMPTY_BRACKETS.sub(" ", text)  # "clean the fridge (low priority)": the brackets it left
    text = squash(text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING.sub("", text)
        text = _LEADING.sub("", text).strip()
        text = _QUOTES.sub("", text).strip()
    return text
