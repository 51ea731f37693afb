"""Find the quantities a release states, with qualifier, period and recurring-fact key."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from . import facets
from .records import DEFAULT_LIMITS, Fact, FactLimits, NormalizedDocument

# --- sentences -------------------------------------------------------------------------------

# A sentence ends at its mark, with the quotes, brackets and footnote markers ("[2]") after it.
SENTENCE_BREAK = re.compile(
    r"(?<=[.!?])(?P<close>(?:[\"”’)\]]|\[\d{1,3}\])*)\s+(?=[\"“‘(\[]?[A-Z0-9$])"
)
ABBREVIATION_END = re.compile(
    r"(?:\b(?:U\.S|U\.K|U\.N|R\.O\.K|D\.P\.R\.K|D\.C|U\.S\.A|Mr|Mrs|Ms|Dr|Jr|Sr|St|No|Nos|Co|Corp"
    r"|Inc|Ltd|Gen|Sen|Rep|Gov|Amb|Adm|Lt|Col|Sgt|Prof|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec"
    r"|e\.g|i\.e|vs|approx|Dept|Sec)|(?<![\w.])(?:[A-Z]\.){0,3}[A-Z])\.$"
)
LIST_MARK = re.compile(r"^- ")
MAX_SENTENCE_CHARS = 1500
# No release states more than a few hundred figures, nor a sentence more than a few dozen:
# a file of nothing but numbers stops here instead of costing a minute per megabyte.
MAX_VALUE = 1e16  # ten thousand trillion: past any sum, count or rank a release can state

# --- numbers ---------------------------------------------------------------------------------

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
UNITS_WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS_WORDS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_VALUES = {word: i + 1 for i, word in enumerate(UNITS_WORDS)} | {
    word: 20 + 10 * i for i, word in enumerate(TENS_WORDS)
}
WORD_NUMBER = (
    rf"(?:{'|'.join(TENS_WORDS)})\b(?:[- ](?:{'|'.join(UNITS_WORDS[:9])})\b)?"
    rf"|(?:{'|'.join(sorted(UNITS_WORDS, key=len, reverse=True))})\b"
)
SCALE_WORD = r"trillion|billion|million|thousand"
SCALES = {
    "trillion": 10**12,
    "billion": 10**9,
    "million": 10**6,
    "thousand": 10**3,
    "tn": 10**12,
    "bn": 10**9,
    "b": 10**9,
    "mn": 10**6,
    "m": 10**6,
    "k": 10**3,
}
ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
ORDINAL = rf"\d{{1,3}}(?:st|nd|rd|th)|{'|'.join(ORDINAL_WORDS)}"
SIZE_SUPERLATIVE = r"largest|biggest|leading|top"
SUPERLATIVE = rf"fastest[\s-]growing|{SIZE_SUPERLATIVE}"

# "$61.1 billion", "US$ 3 million", "USD 2.5 billion".
DOLLAR_SIGN = r"(?:(?:\bUS\s?)?\$|\bUSD(?![A-Za-z]))\s?"
MONEY = re.compile(
    rf"{DOLLAR_SIGN}(?P<num>{NUMBER})"
    rf"(?:\s*(?P<scale>{SCALE_WORD})\b|(?P<abbr>tn|bn|mn|[bmk])\b)?",
    re.IGNORECASE,
)
MONEY_WORDS = re.compile(
    rf"\b(?P<num>{NUMBER}|{WORD_NUMBER}|a(?=\s+(?:{SCALE_WORD})\s))\s+(?:(?P<scale>{SCALE_WORD})\s+)?"
    r"(?:U\.S\.\s+)?dollars\b",
    re.IGNORECASE,
)
PERCENT = re.compile(
    rf"(?<![\w.,])(?P<num>{NUMBER}|(?i:{WORD_NUMBER}))(?:\s*%|\s*-?\s*(?:percent|per\s?cent)\b)",
)
RANK = re.compile(rf"\b(?P<ord>{ORDINAL})[\s-]+(?P<sup>{SUPERLATIVE})\b", re.IGNORECASE)
SUPERLATIVE_ALONE = re.compile(rf"\b(?P<sup>{SIZE_SUPERLATIVE})\b", re.IGNORECASE)
ANNIVERSARY = re.compile(rf"\b(?P<ord>{ORDINAL})\s+anniversary\b", re.IGNORECASE)
MONEY_WON = re.compile(
    rf"(?:\bKRW\s?|₩\s?)(?P<num>{NUMBER})(?:\s*(?P<scale>{SCALE_WORD})\b)?"
    rf"|\b(?P<num2>{NUMBER}|a(?=\s+(?:{SCALE_WORD})\s))(?:\s+(?P<scale2>{SCALE_WORD}))?"
    r"\s+(?:Korean\s+)?won\b",
)
FOLD = re.compile(rf"\b(?P<num>\d+|{'|'.join(UNITS_WORDS[1:10])})[- ]?fold\b", re.IGNORECASE)
MULTIPLE = re.compile(
    r"\b(?P<mult>doubled|tripled|trebled|quadrupled"
    r"|(?:double|triple|quadruple)(?=\s+(?:the|that|its|their|what)\b))\b",
    re.IGNORECASE,
)
# Not a count: a footnote marker ("[2]"), a part of a code ("DS-160", "787-10", "4/5"). A
# compound's number is one ("a 15-year phase-out", "a 25,000-vehicle limit").
COUNT = re.compile(
    rf"(?<![\w\-+/.$,–—:#\[])(?P<num>{NUMBER})(?:\s+(?P<scale>{SCALE_WORD})\b)?"
    r"(?![\w+%\]]|[-–/]\d|/[A-Za-z]|[-‐][A-Za-z]*\d|\.\d|,\d|:\d)"
)
# A number in words: "forty-two", "one million", "a million" (not "a million-dollar grant",
# nor "a billion dollars" or "a billion won", sums).
WORD_COUNT = re.compile(
    rf"\b(?P<num>{WORD_NUMBER}|a(?=\s+(?:million|billion)\b(?![-‐]\w)"
    r"(?!\s+(?:U\.S\.\s+)?dollars|\s+(?:Korean\s+)?won\b)))"
    rf"(?:\s+(?P<scale>{SCALE_WORD})\b)?(?![-‐]\w)",
    re.IGNORECASE,
)
LARGE_SCALES = frozenset({"million", "billion"})
CHANGE_HEDGES = "more than|over|nearly|almost|about|some|roughly|approximately"
# Shares in words: "more than half of", "a fifth of", "two-thirds of", "by roughly half".
FRACTION = re.compile(
    r"\b(?:(?P<num>an?|one|two|three|four|nine)[\s-]+)?"
    r"(?P<part>half|halves|thirds?|quarters?|fifths?|tenths?)\b",
    re.IGNORECASE,
)
FRACTION_DENOMINATORS = {"hal": 2, "thi": 3, "qua": 4, "fif": 5, "ten": 10}
FRACTION_NOT_SHARE_AFTER = re.compile(
    r"^\s+of\s+(?:(?:a|an|the|this|that|last|next)\s+)?(?:century|decade|year|month|day|\d{4})\b",
    re.I,
)
FRACTION_OF_AFTER = re.compile(r"^\s+of\b", re.I)
BY_BEFORE = re.compile(rf"\bby(?:\s+(?:{CHANGE_HEDGES}))?\s+$", re.I)
DOZEN = re.compile(
    r"\b(?P<num>half an?|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+dozen\b",
    re.IGNORECASE,
)
# "$2-3 billion", "5 to 10 years", "5-7 percent" (any dash): both ends, the unit carried to
# the first.
MONEY_RANGE = re.compile(
    rf"{DOLLAR_SIGN}(?P<num>{NUMBER})\s*(?:[-–—]|to)\s*(?:\$|USD(?![A-Za-z]))?\s?(?P<num2>{NUMBER})"
    rf"(?:\s*(?P<scale>{SCALE_WORD})\b)?",
    re.IGNORECASE,
)
SPAN_RANGE = re.compile(
    rf"(?<![\w.,$])(?P<num>{NUMBER})\s*(?:[-–—]|to)\s*(?P<num2>{NUMBER})"
    r"(?:\s*(?P<percent>%|percent\b|per\s?cent\b)|\s+(?P<unit>years?|months?|weeks?|days?)\b)",
    re.IGNORECASE,
)
RANGE_FROM_BEFORE = re.compile(r"\bfrom\s+(?:US\s?)?$", re.I)
# "Korea ranks sixth", "ranked 7th among": a rank given by a verb, not a superlative.
RANK_VERB = re.compile(
    rf"\brank(?:s|ed|ing)?\s+(?:as\s+)?(?:the\s+)?(?P<ord>{ORDINAL})\b(?![\s-]+(?:{SUPERLATIVE}))",
    re.IGNORECASE,
)
# "Korea is third among places of origin": an ordinal placed among others is a rank.
RANK_AMONG = re.compile(rf"\b(?P<ord>{ORDINAL})(?:\s+place)?\s+among\b", re.IGNORECASE)
MULTIPLES = {"doubled": 2, "tripled": 3, "trebled": 3, "quadrupled": 4}
MULTIPLES |= {"double": 2, "triple": 3, "quadruple": 4}
SUPERLATIVE_WORDS = frozenset({"largest", "biggest", "leading", "top", "fastest"})
FRACTION_WORDS = frozenset(
    {"half", "halves", "third", "thirds", "quarter", "quarters", "fifth", "fifths", "tenth"}
    | {"tenths"}
)
RANK_WORDS = frozenset({"rank", "ranks", "ranked", "ranking"})
SPAN_WORDS = frozenset({"percent", "cent", "year", "years", "month", "months", "week", "weeks"})
SPAN_WORDS |= {"day", "days"}
NUMBER_WORDS = frozenset(WORD_VALUES)

# --- what surrounds a number ------------------------------------------------------------------

QUALIFIER_BEFORE = (
    (
        "more_than",
        re.compile(
            r"\b(?<!no )(?<!not )(?:more than|greater than|in excess of|exceeding|at least"
            r"|no (?:fewer|less) than|not (?:fewer|less) than|a minimum|upwards?(?: of)?|in excess"
            r"|(?:has|have|had) passed|topped|tops|exceeded|surpassed|exceeds|surpasses)\s*$",
            re.I,
        ),
    ),
    ("over", re.compile(r"\b(?:over|above)\s*$", re.I)),
    ("nearly", re.compile(r"\b(?:nearly|close to|just under)\s*$", re.I)),
    ("almost", re.compile(r"\balmost\s*$", re.I)),
    (
        "about",
        re.compile(
            r"\b(?:about|approximately|around|roughly|some|an estimated|estimated|approx\.)\s*$",
            re.I,
        ),
    ),
    (
        "up_to",
        re.compile(
            r"\b(?:up to|(?:no|not) (?:more|greater|longer) than|as many as|at most|a maximum"
            r"|(?<!no )(?<!not )(?:less|fewer) than)"
            r"\s*$",
            re.I,
        ),
    ),
)
AFTER_PARENTHESIS = r"\s*(?:\([^()]*\)\s*)?"
INCREASE_AFTER = re.compile(
    rf"{AFTER_PARENTHESIS}(?:(?:more|greater|higher)\s+than\b|(?:increase|rise|gain|growth|jump)\b)",
    re.I,
)
DECREASE_AFTER = re.compile(
    rf"{AFTER_PARENTHESIS}(?:(?:less|lower|fewer)\s+than\b|(?:decrease|decline|drop|fall|reduction)\b)",
    re.I,
)
DECREASE_BEFORE = re.compile(
    r"\b(?:down|decreas\w*|declin\w*|dropp?\w*|fell|fall\w*|lower\w*|shr[aiu]nk\w*|reduc\w*|cut)"
    rf"(?:\s+(?:by|of))?(?:\s+(?:{CHANGE_HEDGES}))?\s*$",
    re.I,
)
INCREASE_BEFORE = re.compile(
    # "made up $114 billion of that" is a part, not a rise.
    r"\b(?:(?<!made )(?<!make )(?<!makes )up|increas\w*|gr[eo]w\w*|rose|risen|ris\w*|jump\w*"
    r"|climb\w*|expand\w*|surg\w*)"
    rf"(?:\s+(?:by|of))?(?:\s+(?:{CHANGE_HEDGES}))?\s*$",
    re.I,
)
MONTH_NAMES = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
MONTH_BEFORE = re.compile(rf"\b(?:{MONTH_NAMES})\.?\s*$")
MONTH_AFTER = re.compile(rf"^\s*(?:{MONTH_NAMES})\b")
REFERENCE_BEFORE = re.compile(
    r"\b(?:Section|Article|Order|Resolution|Proclamation|No\.|(?-i:Number)|Chapter|Title|Law|Act|Room"
    r"|Box|Suite|Route|Highway|Flight|Phase|Block|Round|Volume|Vol\.|Page|p\.|pp\.|Report"
    r"|Decision|Directive|Rule|Paragraph|Annex|Item|Case|Docket|Code|H\.\s?R\.|H\.\s?Res\."
    r"|P\.\s?L\.|Public\s+Law)\s*$"
    r"|(?-i:\b[A-Z]{2,}\s)$",
    re.I,
)
# "the 123 agreement": a number before a singular noun names a thing; it counts none.
NAMING_ARTICLE_BEFORE = re.compile(r"\b(?:the|this|that)\s+$", re.I)
SINGULAR_NOUN_AFTER = re.compile(r"^\s+(?!(?:per|a|an|of|and|or|to|in|on)\b)[a-z]+(?<!s)\b")
# "Boeing 737 MAX": a number between a proper name and a capitalized word is a model.
MODEL_BEFORE = re.compile(r"(?-i:(?<=[\w,;] )[A-Z][a-z]+\s)$")
# "commonly called a 123 agreement": a number in a name is no quantity.
# "Flight number 85" names a thing, as "Number 5" does; "troops number 28,500" counts them,
# as a number with thousands marks does.
NUMBER_BEFORE = re.compile(r"\bnumber\s*$", re.I)
NAMED_BEFORE = re.compile(
    r"\b(?:called|named|known\s+as|dubbed|termed|titled|entitled)\s+(?:(?:a|an|the)\s+)?$", re.I
)
MODEL_AFTER = re.compile(r"^(?-i:\s+[A-Z]{2,}\b)")
DETERMINER_BEFORE = re.compile(
    r"\b(?:the|our|both|these|those|its|their|his|her|each|every|per|between|any|a|an)\s+$",
    re.I,
)
COUNTED_NOUN_AFTER = re.compile(
    r"\s+(?!(?:levels?|figures?|data|values?|rates?|prices?)\b)[A-Za-z]"
)
WORD_NUMBER_NOT_COUNT_AFTER = re.compile(r"^\s+(?:of|ways?|sides?|or|to)\b", re.I)
VAGUE_SPAN_BEFORE = re.compile(r"\b(?:the\s+)?(?:past|last|next|coming|previous|first)\s+$", re.I)
DURATION_AFTER = re.compile(r"^[\s-]*(?P<unit>years?|decades?|months?|weeks?|days?)\b", re.I)
AGO_AFTER_MENTION = re.compile(r"\s+ago\b", re.I)
# "Today marks five years since ...", "Three years after the agreement took effect, ...": time
# elapsed up to the release.
ELAPSED_AFTER_MENTION = re.compile(r"\s+since\b", re.I)
OPENING_ELAPSED = re.compile(r"^\s*(?:Today\s+marks\s+)?$", re.I)
SINCE = re.compile(r"\bsince\b", re.I)
# Sentences that may count years from an event: 'two years ago', 'the 70th anniversary'.
ANCHOR_HINT = re.compile(r"\bago\b|\banniversary\b", re.I)
# 'since President Biden took office', 'since the start of the Moon administration'.
OFFICE_SINCE = (
    r"\bsince\s+(?:(?:the\s+)?(?:U\.S\.\s+|ROK\s+|Korean\s+)?President\s+)?(?:{name})(?:['’]s)?"
    r"\s+(?:took\s+office|assumed\s+office|came\s+(?:in)?to\s+office|was\s+inaugurated"
    r"|inauguration)\b"
    r"|\bsince\s+the\s+(?:start|beginning)\s+of\s+(?:the\s+)?(?:{name})(?:[-–][A-Z][a-z]+)?"
    r"\s+administration\b"
)
DEGREES_AFTER = re.compile(r"^\s*(?:°|degrees?\b)", re.I)
POWER_AFTER = re.compile(r"^[\s-]*(?P<unit>gigawatts?|GW|megawatts?|MW)\b")
PEOPLE_NOUN = re.compile(
    r"\b(?:students|citizens|nationals|people|persons|individuals|troops|soldiers|personnel"
    r"|participants|alumni|fulbrighters|grantees|scholars|fellows|workers|jobs|employees|staff"
    r"|americans|koreans|visitors|tourists|travell?ers|members|leaders|ministers|presidents"
    r"|officials|delegates|experts|residents|immigrants|veterans|families|children|women|men"
    r"|youth|volunteers|teachers|researchers|scientists|entrepreneurs|journalists)\b",
    re.I,
)
NOUN_WINDOW = re.compile(r"^(?:[^,.;:()]|\.(?!\s+[A-Z]|\s*$)){0,60}")
CLAUSE_STOP = re.compile(r"[;]")
PARENTHESIS_AFTER_CHANGE = re.compile(r"^\s*\($")
TRADE_TOPIC = re.compile(r"\bgoods and services\b|\bgoods\b|\bservices\b", re.I)
# Words that place a figure outside the bilateral relationship (multilateral, global).
CONTEXT_TERM = re.compile(
    r"\b(?:global|world|worldwide|region[’']s|multilateral|Trans-Pacific|TPP|COVAX|G-?20|G-?7"
    r"|United Nations|other (?:nations|countries|signatories)|member (?:states|countries))\b",
    re.I,
)
US_NAME = r"United States|U\.S\.A?\.?|America|USA"
ROK_NAME = r"Republic of Korea|R\.O\.K\.?|ROK|South Korea|Korea"
AMONG_PHRASE = re.compile(
    r"\bamong\s+(?:all\s+)?(?:the\s+)?(?P<noun>(?:[^,.;:()]|\.(?=\S|\s+[a-z]))+)", re.I
)
POSSESSOR_AMONG = re.compile(rf"(?:(?P<us>{US_NAME}|[Oo]ur\b)|(?P<rok>{ROK_NAME}))(?:[’'`]s)?\s+")
POSSESSOR_BEFORE = re.compile(
    rf"(?:(?P<us>{US_NAME})\s*(?:[’'`=]s?|s[’'])?|(?P<rok>{ROK_NAME})\s*[’'`=]s"
    rf"|\b(?P<our>our)|\b(?P<its>its|their))\s+(?:\w+\s+)?$"
)
OWNER_AFTER = re.compile(
    rf"\b(?:in|into|to|of|for|from|among)\s+(?:the\s+)?(?:(?P<us>{US_NAME})|(?P<rok>{ROK_NAME}))"
)
NATION_BEFORE_NOUN = re.compile(r"\s+(?:(?P<us>U\.S\.)|(?P<rok>R\.O\.K\.))\s+(?=[a-z])")
# A rank's noun ends at a clause's punctuation, not at the dots of 'U.S. exports'.
RANK_NOUN_STOP = re.compile(
    r"[,;:()\u2013\u2014]|\.(?!\S|\s+[a-z])"
    r"|\s(?:with|and(?! services)|after|ahead|behind|while|which|that|but|as|since|in \d)\b"
)
# "... goods trade and nearly $35 billion": a clause joined by "and" just before a number,
# but for the "and" of "goods and services".
AND_TAIL_WORDS = 3
FIXED_AND = re.compile(r"goods and services", re.I)
FIXED_AND_BACK = len("goods")
PARENTHETICAL = re.compile(r"\([^()\d]*\)")
# "Korea is the 12th largest foreign investor": a nation ranked among the other's.
RANKED_NATION = re.compile(
    rf"^(?:the\s+)?(?:(?P<us>{US_NAME})|(?P<rok>{ROK_NAME}))\s+(?:is|was|remains|remained"
    r"|became|has\s+become|ranks|ranked|stands|stood)\b(?:\s+(?:now|currently|still))?"
    r"\s+the\s+[\w-]+(?:\s+[\w-]+)?$",
    re.I,
)
POSSESSIVE_NAME = re.compile(
    rf"(?:(?P<us>{US_NAME})\s*(?:[’'`=]s?|s[’'])|(?P<rok>{ROK_NAME})\s*[’'`=]s)\s"
)
DEFINITE_BEFORE = re.compile(
    r"(?:\bthe|\bits|\bour|\btheir|[’'`=]s?)(?:\s+(?:single|very|world['’]s))?\s+$"
)
# 'largest overseas military installation in the world': the noun's head is the last word
# before a preposition or a mark.
NOUN_PHRASE_END = re.compile(r"[,.;:()\u2013\u2014]|\s(?:in|of|for|among|to|with|by|on|at|from)\s")
PLURAL_WORD = re.compile(r"^[a-z]+(?:(?<![su])s|ies)$")
NOT_PLURAL = frozenset({"overseas", "various", "this", "its", "his", "gas", "was", "has", "is"})
SPACES_OR_HYPHENS = re.compile(r"[\s-]+")
# Every byte but a to z as a space: the words of a lower-cased sentence, split by a table.
LETTERS_ONLY = bytes(byte if 97 <= byte <= 122 else 32 for byte in range(256))
DIGIT = re.compile(r"\d")
# Words before a number are read from this many characters back, never the whole sentence.
LOOKBACK_CHARS = 80
ITEM_IN_PARENTHESES_BEFORE = re.compile(r"[A-Za-z]\s*\(\s*(?:US\s?)?$")
NAMED_OWNER_BEFORE = re.compile(r"(?-i:\b[A-Z][\w&.-]*)['’]s\s+(?:US\s?)?$")
# A nation's own, not a company named for one: 'Korea's $5 billion', not 'Zinus USA's'.
NATION_OWNER_BEFORE = re.compile(
    rf"(?:(?P<name>[A-Za-z][\w&.-]*)\s+)?(?:the\s+)?(?:{US_NAME}|{ROK_NAME})['’]s\s+(?:US\s?)?$"
)
COMPARED_BEFORE = re.compile(r"\b(?:down|up)\s+from\s*$|\bcompared\s+(?:with|to)\s*$", re.I)
SPAN_OVER_BEFORE = re.compile(r"\b(?:over|across|during)\s+(?:a|an|the)$", re.I)
LINKING_WORD_BEFORE = re.compile(r"\b(?:by|of|a|totall?ing|totall?ed|were|was|is|are)\s*$")
SPAN_PREPOSITION_BEFORE = re.compile(r"\b(?:over|within|in|during)\s+$", re.I)
ONE_OF_BEFORE = re.compile(r"\bone of (?:the|its|our|their)\s+(?:\w+\s+)?$", re.I)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "its",
        "their",
        "our",
        "his",
        "her",
        "this",
        "that",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "it",
        "they",
        "we",
        "you",
        "i",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "also",
        "than",
        "more",
        "over",
        "nearly",
        "almost",
        "about",
        "some",
        "approximately",
        "up",
        "into",
        "per",
        "each",
        "every",
        "other",
        "such",
        "including",
        "include",
        "includes",
        "across",
        "between",
        "since",
        "during",
        "while",
        "through",
        "both",
        "all",
    ]
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*[A-Za-z]|[A-Za-z]")

# --- periods ---------------------------------------------------------------------------------

YEAR = r"(?:18|19|20)\d\d"
YEAR_TOKEN = re.compile(r"(?<!\d)(?:18|19|20)\d\d(?!\d)")
SEASON = r"(?:spring|summer|fall|autumn|winter)"
WORDED_TIME = re.compile(
    rf"\b(?:years?|months|today)\b|\bFY\s?\d|\bon\s+(?:{MONTH_NAMES})\b|\bthis\s+{SEASON}\b",
    re.IGNORECASE,
)
# Characters around a year within which its time expression ('for the 2021-2024 period') lies.
# A sentence takes the time of the one before it when it speaks of what that one did
# ("These investments created...", "half of them", "Over the same period") or goes on in
# the past tense ("Exports totaled..."); one in the present tense speaks of now.
ANAPHORA = re.compile(
    r"^(?:These|This|Those|It|They|Such|Both)\b"
    r"|\b(?:of|among)\s+(?:them|these|those)\b|\b(?:these|those)\s+[a-z]+"
    r"|(?i:\b(?:over|in|during)\s+the\s+same\s+(?:period|year|time)\b|\bthat\s+year\b)"
)
PAST_TENSE = re.compile(
    r"\b(?:was|were|had|rose|fell|grew|stood|came|reached|totall?ed|amounted|increased"
    r"|gave|made|sold|spent|bought|won|paid|took|set)\b|\b[a-z]{3,}ed\b"
)
PRESENT_TIME = re.compile(r"\b(?:now|currently|today|presently)\b", re.I)
PERIOD_WINDOW = 48
CLAUSE_SPLIT = re.compile(r",\s+(?:and|but|while|whereas)\s+|;\s+")
CONTRAST_SPLIT = re.compile(r",\s+(?:on\s+top\s+of|in\s+addition\s+to)\s+")
# A clause in the present tense: its figure is of now, not of a year another clause names.
PRESENT_CLAUSE = re.compile(
    r"\b(?:is|are|remains?|now|currently|today|already|still|resides?|lives?|employs?|operates?"
    r"|buys?|holds?|owns?|accounts?\s+for)\b"
)
# What may stand before a time that opens a sentence: "In 2019, ...", "Last year, ...".
# Between a change and the times of the two figures it runs between: "grew 33 percent, from
# $30 billion in 2012 to $40 billion in 2020".
FROM_FIGURE = re.compile(r",?\s+from\s+\S+(?:\s+\S+){0,3}\s+", re.I)
TO_FIGURE = re.compile(r"\s+to\s+\S+(?:\s+\S+){0,3}\s+", re.I)
# What a rank is measured by, when its clause says so apart from its noun.
RANK_BASIS = re.compile(
    r"\b(?:measured\s+by|counting|in\s+terms\s+of)\s+(?P<basis>goods|services)\b"
    r"|\b(?:in|for|by)\s+(?P<basis2>goods|services)\s+(?:alone|only|trade)\b",
    re.I,
)
OPENING_TIME = re.compile(r"\s*(?:[A-Z][a-z]+\s*){0,2}")
MONTH_WITHOUT_YEAR = re.compile(
    r"\b(?P<pre>in|last|this|during|early|late|mid)[\s-]+(?P<month>January|February|March"
    r"|April|May|June|July|August|September|October|November|December)\b"
    rf"(?!\.?\s*\d|,?\s+(?:of\s+)?{YEAR}|\s+(?:of\s+)?(?:this|last|next)\s+year)",
    re.IGNORECASE,
)
FUTURE = re.compile(
    r"\b(?:will|plans?|planned|planning|intends?|expects?|expected|scheduled|upcoming"
    r"|looks?\s+forward)\b",
    re.I,
)
MONTH_FULL_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_NUMBERS = {name[:3]: number for number, name in enumerate(MONTH_FULL_NAMES, 1)}
CARRIED_PERIODS = frozenset({"plain", "academic", "slash", "fiscal", "asof", "named", "relative"})
# "a 42.7% increase over 2021": the year a change is measured against.
CHANGE_OVER = "|".join(
    rf"(?<={noun}\s)over"
    for noun in ("increase", "decrease", "decline", "rise", "growth", "gain", "drop", "jump")
)
NOT_RANGE = r"(?!\s*(?:[-–—/]\s*\d|(?:to|through)\s+\d))"
PERIODS = re.compile(
    rf"(?P<academic>\b(?P<a1>{YEAR})\s*[/–-]\s*(?P<a2>\d\d|{YEAR})\s+(?:academic|school)\s+year"
    rf"|\b(?:academic|school)\s+year\s+(?P<a3>{YEAR})\s*[/–-]\s*(?P<a4>\d\d|{YEAR})\b)"
    rf"|(?P<slash>\b(?P<s1>{YEAR})/(?P<s2>\d\d|{YEAR})\b)"
    rf"|(?P<fiscal>\b(?:FY|fiscal year)\s?(?P<fy>{YEAR}|\d\d)\b)"
    rf"|(?P<range>\b(?P<r1>{YEAR})(?:\s*(?:-|–|—|to|through)\s*(?P<r2>{YEAR})|[-–](?P<r2s>\d\d))\b)"
    rf"|(?P<between>\bbetween\s+(?:(?:{MONTH_NAMES})\.?\s+)?(?P<b1>{YEAR})\s+and\s+"
    rf"(?:the\s+end\s+of\s+)?(?:(?:{MONTH_NAMES})\.?\s+)?(?P<b2>{YEAR})\b)"
    rf"|(?P<since>\bsince\s+(?:(?:{MONTH_NAMES})\.?\s+)?{YEAR}\b)"
    rf"|(?P<asof>\bas of\s+(?:(?:{MONTH_NAMES})\.?\s+)?(?P<asofyear>{YEAR})\b)"
    rf"|(?P<by>\bby\s+(?:(?:the\s+)?(?:end|middle)\s+of\s+)?(?:(?:early|late|mid)[\s-])?"
    rf"(?:(?:{MONTH_NAMES})\.?\s+)?(?P<byyear>{YEAR})\b)"
    rf"|(?P<day>\bon\s+(?:{MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"(?:,?\s+(?P<dayyear>{YEAR})\b)?)"
    rf"|(?P<from>\b(?:from|than(?:\s+in)?|(?<=%\s)over|(?<=percent\s)over|{CHANGE_OVER})\s+"
    rf"(?:(?:{MONTH_NAMES})\.?\s+)?(?P<fromyear>{YEAR})\b{NOT_RANGE})"
    rf"|(?P<plain>\b(?:in|during|for|of|throughout|over|at)\s+(?:the\s+)?(?:(?:early|late|mid)[\s-])?"
    rf"(?:(?:{MONTH_NAMES})\.?\s+(?:\d{{1,2}},?\s+)?)?(?:calendar\s+year\s+)?(?P<year>{YEAR})\b{NOT_RANGE})"
    r"|(?P<relative>(?P<yearbefore>(?:\b(?:from|than)\s+|(?<=compared\swith\s)|(?<=compared\sto\s))"
    r"(?:the\s+(?:previous|prior|preceding)\s+year|the\s+year\s+(?:before|earlier)"
    r"|a\s+year\s+(?:earlier|before))\b)"
    rf"|(?P<frombase>\bfrom\s+)?\b(?:this|last|next|the previous|the past)\s+year\b"
    rf"|\bthis\s+{SEASON}\b|\b(?:from\s+)?today\b)"
    rf"|(?P<span>\b(?:over|within|during|in)\s+(?:the\s+(?:next|coming)\s+)?"
    rf"(?:{NUMBER}|{WORD_NUMBER})\s+(?:years|months)\b)",
    re.IGNORECASE,
)
# Where a PERIODS match can begin: every alternative starts a word, with a year or with one of
# these letters. PERIODS tried only there reads a sentence three times faster than its own scan.
PERIOD_START = re.compile(r"\b[12abdfilnostw]", re.IGNORECASE)


@dataclass(frozen=True)
class Event:
    """Something a release may count years from ('the FTA, which took effect two years ago')."""

    name: str
    year: int
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class NamedTime:
    """A time a release names instead of dating: a period ('the early months of the
    pandemic'), or the start of a term of office that a figure is counted from."""

    pattern: re.Pattern[str]
    period: str
    first_year: int
    since: bool
    word: str


@dataclass(frozen=True)
class Catalog:
    """The recurring ranks and the named times, compiled (amounts are keyed by facets)."""

    ranks: tuple[dict[str, Any], ...]
    labels: dict[str, str]
    events: tuple[Event, ...] = ()
    named: tuple[NamedTime, ...] = ()


@dataclass(frozen=True)
class Sentence:
    """A sentence with its offsets in the normalized text and its paragraph index."""

    text: str
    start: int
    end: int
    block: int
    is_item: bool = False


@dataclass(frozen=True)
class Mention:
    """A quantity found in a sentence, before period and metric are known."""

    start: int
    end: int
    value: float
    unit: str
    kind: str
    rank_noun: str = ""
    owner: str | None = None
    superlative: str = ""
    qualifier: str = ""  # a range's end says its own: at least its low, up to its high


@dataclass(frozen=True)
class Period:
    """A time expression in a sentence."""

    start: int
    end: int
    kind: str
    text: str


def compile_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A catalog rank with its noun pattern compiled."""
    return {**entry, "noun": re.compile(entry["noun"], re.IGNORECASE)}


@cache
def load_catalog() -> Catalog:
    """The packaged metric catalog, compiled once."""
    package = resources.files("usrok_pipeline")
    metrics = yaml.safe_load(package.joinpath("data/metrics.yaml").read_text("utf-8"))
    periods = yaml.safe_load(package.joinpath("data/periods.yaml").read_text("utf-8"))
    return catalog_from_mapping({**metrics, **periods})


def catalog_from_mapping(raw: dict[str, Any]) -> Catalog:
    """Compile a catalog mapping (the shape of the YAML files together)."""
    ranks = tuple(compile_entry(e) for e in raw.get("ranks", []))
    labels = {e["key"]: e.get("label", e["key"]) for e in ranks}
    events = tuple(
        Event(str(e["name"]), int(e["year"]), re.compile(e["pattern"], re.IGNORECASE))
        for e in raw.get("events", [])
    )
    named = tuple(
        NamedTime(
            re.compile(e["pattern"], re.IGNORECASE),
            str(e["period"]),
            int(e["from"]),
            False,
            str(e["word"]).lower(),
        )
        for e in raw.get("named", [])
    ) + tuple(
        NamedTime(
            re.compile(OFFICE_SINCE.format(name=e["name"]), re.IGNORECASE),
            str(e["took_office"]),
            int(str(e["took_office"])[-4:]),
            True,
            "since",
        )
        for e in raw.get("offices", [])
    )
    return Catalog(ranks, labels, events, named)


# --- sentence splitting ----------------------------------------------------------------------


def split_sentences(text: str) -> Iterator[Sentence]:
    """Sentences of normalized text; a paragraph or list item never spans two."""
    offset = 0
    for block_index, line in enumerate(text.split("\n")):
        line_start = offset
        offset += len(line) + 1
        body_start = line_start
        marker = LIST_MARK.match(line)
        if marker:
            body_start += marker.end()
        body = text[body_start : line_start + len(line)]
        if not body.strip():
            continue
        cursor = 0
        for brk in SENTENCE_BREAK.finditer(body):
            if ABBREVIATION_END.search(body[cursor : brk.start()]) and not brk.group("close"):
                continue
            end = brk.start() + len(brk.group("close"))
            yield from bounded(body, cursor, end, body_start, block_index, bool(marker))
            cursor = brk.end()
        tail_end = len(body[: len(body)].rstrip())
        if tail_end > cursor:
            yield from bounded(body, cursor, tail_end, body_start, block_index, bool(marker))


def bounded(
    body: str, start: int, end: int, offset: int, block: int, is_item: bool
) -> Iterator[Sentence]:
    """A sentence, cut at spaces into pieces of at most MAX_SENTENCE_CHARS: no release has
    longer ones, and a run-on line must not make the work per sentence grow without bound."""
    while end - start > MAX_SENTENCE_CHARS:
        cut = body.rfind(" ", start + 1, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield Sentence(body[start:cut], offset + start, offset + cut, block, is_item)
        start = cut + 1 if body[cut : cut + 1] == " " else cut
    if end > start:
        yield Sentence(body[start:end], offset + start, offset + end, block, is_item)


# --- quantities ------------------------------------------------------------------------------


def number_value(token: str) -> float:
    """The value of a digit string or a number word."""
    token = token.lower().replace(",", "")
    if token[0].isdigit():
        return float(token)
    if token == "a":
        return 1.0
    parts = re.split(r"[- ]", token)
    return float(sum(WORD_VALUES[p] for p in parts))


def with_scale(value: float, scale: str | None) -> float:
    """A number times its scale word, in decimal: '$34.3 billion' is 34300000000, not the
    34299999999.999996 of 34.3 * 1e9."""
    if not scale:
        return value
    return float(Decimal(repr(value)) * SCALES[scale.lower()])


def ordinal_value(token: str) -> int:
    """The value of '6th' or 'sixth'."""
    token = token.lower()
    if token[0].isdigit():
        return int(re.match(r"\d+", token).group())  # type: ignore[union-attr]
    return ORDINAL_WORDS.index(token) + 1


def scaled(match: re.Match[str]) -> float:
    """A number with its scale word or suffix applied."""
    value = number_value(match.group("num"))
    scale = match.groupdict().get("scale") or match.groupdict().get("abbr")
    return with_scale(value, scale)


def is_year_like(match: re.Match[str]) -> bool:
    """A bare four-digit number in the calendar range, which is a year unless qualified."""
    token = match.group("num")
    return (
        token.isdigit()
        and len(token) == 4
        and 1800 <= int(token) <= 2100
        and not match.group("scale")
    )


def qualifier_of(before: str) -> str:
    """The hedge written just before a number: more than, nearly, about, up to, or exact."""
    before = before[-LOOKBACK_CHARS:].rstrip().removesuffix("$").removesuffix("US").rstrip()
    if SPAN_OVER_BEFORE.search(before):
        return "exact"  # 'phased out over a 15-year period': over a span, not more than
    before = LINKING_WORD_BEFORE.sub("", before).rstrip()
    return next((name for name, rx in QUALIFIER_BEFORE if rx.search(before + " ")), "exact")


def rank_details(sentence: str, match: re.Match[str]) -> tuple[str, str | None]:
    """The noun after a superlative ('trading partner') and whose ranking it is, named
    before the noun too ('the 7th largest U.S. trading partner', whose dots end no noun)."""
    tail = sentence[match.end() :]
    nation = NATION_BEFORE_NOUN.match(tail)
    if nation:
        tail = tail[nation.end() :]
    stop = RANK_NOUN_STOP.search(tail)
    phrase = tail[: stop.start() if stop else len(tail)]
    noun = " ".join(phrase.split()[:8])
    before = sentence[max(0, match.start() - LOOKBACK_CHARS) : match.start()]
    owner: str | None = None
    possessor = POSSESSOR_BEFORE.search(before)
    if possessor:
        if possessor.group("us") or possessor.group("our"):
            owner = "us"
        elif possessor.group("rok"):
            owner = "rok"
        else:
            owner = "its"
    if owner is None and nation:
        owner = "us" if nation.group("us") else "rok"
    if owner is None:
        # With the stop: the sentence's last dot ends 'in the U.S.' too.
        target = OWNER_AFTER.search(tail[: stop.end() if stop else len(tail)])
        if target:
            owner = "us" if target.group("us") else "rok"
    return noun.lower(), owner


def count_mention(sentence: str, match: re.Match[str], has_money: bool) -> Mention | None:
    """A plain number as a count, people, a duration or another unit, or None when it is not one."""
    before = sentence[max(0, match.start() - LOOKBACK_CHARS) : match.start()]
    after = sentence[match.end() :]
    token = match.group("num")
    is_word = not token[0].isdigit()
    qualifier = qualifier_of(before)
    if MONTH_BEFORE.search(before) or MONTH_AFTER.search(after):
        return None
    if REFERENCE_BEFORE.search(before) or after.startswith(")"):
        return None
    if NUMBER_BEFORE.search(before) and "," not in token and not match.group("scale"):
        return None
    if not is_word and not match.group("scale"):
        if NAMING_ARTICLE_BEFORE.search(before) and SINGULAR_NOUN_AFTER.match(after):
            return None
        if MODEL_BEFORE.search(before) and MODEL_AFTER.match(after):
            return None
        if NAMED_BEFORE.search(before):
            return None
    if is_year_like(match) and (qualifier == "exact" or not COUNTED_NOUN_AFTER.match(after)):
        return None
    if is_word and (
        (token.lower() == "one" and not match.group("scale"))
        or DETERMINER_BEFORE.search(before)
        or WORD_NUMBER_NOT_COUNT_AFTER.match(after)
    ):
        return None
    value = scaled(match)
    duration = DURATION_AFTER.match(after)
    if duration:
        if VAGUE_SPAN_BEFORE.search(before):
            return None
        if has_money and SPAN_PREPOSITION_BEFORE.search(before):
            return None
        unit = duration.group("unit").lower().rstrip("s")
        if unit == "decade":
            return Mention(
                match.start(), match.end() + duration.end(), value * 10, "years", "duration"
            )
        return Mention(match.start(), match.end() + duration.end(), value, f"{unit}s", "duration")
    if DEGREES_AFTER.match(after):
        return Mention(match.start(), match.end(), value, "degrees", "other")
    power = POWER_AFTER.match(after)
    if power:
        unit = "gigawatts" if power.group("unit").lower().startswith(("g", "gw")) else "megawatts"
        return Mention(match.start(), match.end() + power.end(), value, unit, "other")
    window = NOUN_WINDOW.match(after)
    unit = "people" if window and PEOPLE_NOUN.search(window.group()) else "count"
    return Mention(match.start(), match.end(), value, unit, "count")


def ranked_among(sentence: str) -> tuple[str, str | None] | None:
    """What a rank given by a verb ranks among and whose ranking it is: 'ranks sixth among
    U.S. goods trading partners' -> ('goods trading partners', 'us')."""
    among = AMONG_PHRASE.search(sentence)
    if among is None:
        return None
    phrase = among.group("noun")
    owner = POSSESSOR_AMONG.match(phrase)
    if owner is None:
        # 'third among places of origin' of students 'in the United States', said elsewhere.
        host = OWNER_AFTER.search(sentence)
        return phrase.lower().strip(), ("us" if host.group("us") else "rok") if host else None
    noun = phrase[owner.end() :].lower().strip()
    return noun, "us" if owner.group("us") else "rok"


def fraction_mention(sentence: str, match: re.Match[str]) -> Mention | None:
    """A share in words as a percentage ('a fifth of' 20, 'two-thirds of' 66.67), when it is
    a share of something ('of' follows, or 'by half') and not a part of a span of time."""
    number = (match.group("num") or "").lower()
    part = match.group("part").lower()
    after = sentence[match.end() :]
    before = sentence[max(0, match.start() - LOOKBACK_CHARS) : match.start()]
    halves = part.startswith("hal")
    if FRACTION_NOT_SHARE_AFTER.match(after):
        return None
    if not (FRACTION_OF_AFTER.match(after) or (halves and BY_BEFORE.search(before))):
        return None
    single = number in ("", "a", "an", "one")
    if (not number and not halves) or (halves and not single):
        return None
    numerator = 1 if single else WORD_VALUES[number]
    value = round(100 * numerator / FRACTION_DENOMINATORS[part[:3]], 2)
    if value > 100:
        return None
    return Mention(match.start(), match.end(), value, "percent", "percent")


def dozen_mention(sentence: str, match: re.Match[str]) -> Mention:
    """'a dozen fairs' 12, 'two dozen teachers' 24, 'half a dozen' 6, as a count."""
    number = match.group("num").lower()
    if number.startswith("half"):
        value = 6
    else:
        value = 12 * (1 if number in ("a", "an", "one") else WORD_VALUES[number])
    window = NOUN_WINDOW.match(sentence[match.end() :])
    unit = "people" if window and PEOPLE_NOUN.search(window.group()) else "count"
    return Mention(match.start(), match.end(), value, unit, "count")


def range_mentions(sentence: str, match: re.Match[str], unit: str, kind: str) -> list[Mention]:
    """Both ends of a range ('$2-3 billion', '5 to 10 years'), the unit and scale carried to
    the first: at least the low end, up to the high one; 'from 30 to 4 days' is two figures,
    each as stated."""
    scale = match.groupdict().get("scale")
    first = with_scale(number_value(match.group("num")), scale)
    second = with_scale(number_value(match.group("num2")), scale)
    before = sentence[max(0, match.start() - LOOKBACK_CHARS) : match.start()]
    moved = RANGE_FROM_BEFORE.search(before) is not None
    if not moved and first >= second:
        return []
    low, high = ("", "") if moved else ("more_than", "up_to")
    return [
        Mention(match.start(), match.end("num"), first, unit, kind, qualifier=low),
        Mention(match.start("num2"), match.end(), second, unit, kind, qualifier=high),
    ]


def won_mention(match: re.Match[str]) -> Mention | None:
    """An amount in Korean won; a bare year before 'won' ('in 2019 won') is not one."""
    token = match.group("num") or match.group("num2")
    scale = match.group("scale") or match.group("scale2")
    if token.isdigit() and len(token) == 4 and not scale and match.group("num2"):
        return None
    value = with_scale(number_value(token), scale)
    return Mention(match.start(), match.end(), value, "krw", "money")


def superlative_mention(sentence: str, match: re.Match[str]) -> Mention | None:
    """'the largest investor' as rank 1: one thing ranked first, not 'one of the largest' nor
    'our largest companies' (a group)."""
    before = sentence[max(0, match.start() - LOOKBACK_CHARS) : match.start()]
    noun, owner = rank_details(sentence, match)
    if not noun or ONE_OF_BEFORE.search(before) or not DEFINITE_BEFORE.search(before):
        return None
    phrase = NOUN_PHRASE_END.split(sentence[match.end() :], maxsplit=1)[0].split()
    if not phrase or any(PLURAL_WORD.search(w) and w not in NOT_PLURAL for w in phrase):
        return None
    sup = match.group("sup").lower()
    return Mention(match.start(), match.end(), 1, "rank", "rank", noun, owner, sup)


def readable(value: float) -> bool:
    """Whether a value can be a figure: finite and within MAX_VALUE ('$' and 400 nines is
    not a quantity, and no JSON has infinity)."""
    return math.isfinite(value) and abs(value) <= MAX_VALUE


def letter_words(lower: str) -> set[str]:
    """The runs of the letters a to z in a lower-cased text, through a byte table: matching
    them with a regex made half the time of finding the mentions of a sentence."""
    return set(lower.encode("ascii", "replace").translate(LETTERS_ONLY).decode("ascii").split())


def find_mentions(sentence: str) -> list[Mention]:
    """Every quantity in a sentence, left to right, without overlaps: a figure found by an
    earlier pattern keeps its characters."""
    words = letter_words(sentence.lower())
    has_digit = DIGIT.search(sentence) is not None
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []  # sorted and apart, so only neighbours can overlap

    def free(start: int, end: int) -> bool:
        at = bisect.bisect_right(taken, (start, end))
        return all(end <= s or start >= e for s, e in taken[max(0, at - 1) : at + 1])

    def add(mention: Mention | None) -> None:
        if mention and free(mention.start, mention.end) and readable(mention.value):
            found.append(mention)
            bisect.insort(taken, (mention.start, mention.end))

    for mention in amount_mentions(sentence, words, has_digit):
        add(mention)
    for mention in ordinal_mentions(sentence, words):
        add(mention)
    has_money = any(x.unit == "usd" for x in found)
    in_words = bool(words & NUMBER_WORDS or words & LARGE_SCALES)
    for rx, wanted in ((COUNT, has_digit), (WORD_COUNT, in_words)):
        if not wanted:
            continue
        for m in rx.finditer(sentence):
            if free(m.start(), m.end()):
                add(count_mention(sentence, m, has_money))
    return sorted(found, key=lambda x: x.start)


def amount_mentions(sentence: str, words: set[str], has_digit: bool) -> Iterator[Mention | None]:
    """Ranges, sums of money, percentages and fractions, in the order they take precedence;
    each pattern runs only when a word or sign it needs is in the sentence."""
    dollars = "$" in sentence or "USD" in sentence
    if has_digit:
        for m in MONEY_RANGE.finditer(sentence) if dollars else ():
            yield from range_mentions(sentence, m, "usd", "money")
        for m in SPAN_RANGE.finditer(sentence) if "%" in sentence or words & SPAN_WORDS else ():
            unit = "percent" if m.group("percent") else f"{m.group('unit').lower().rstrip('s')}s"
            kind = "percent" if m.group("percent") else "duration"
            yield from range_mentions(sentence, m, unit, kind)
    if dollars:
        for m in MONEY.finditer(sentence):
            yield Mention(m.start(), m.end(), scaled(m), "usd", "money")
    if "dollars" in words:
        for m in MONEY_WORDS.finditer(sentence):
            yield Mention(m.start(), m.end(), scaled(m), "usd", "money")
    if "%" in sentence or "percent" in words or "cent" in words:
        for m in PERCENT.finditer(sentence):
            yield Mention(m.start(), m.end(), number_value(m.group("num")), "percent", "percent")
    if words & FRACTION_WORDS:
        for m in FRACTION.finditer(sentence):
            yield fraction_mention(sentence, m)


def ordinal_mentions(sentence: str, words: set[str]) -> Iterator[Mention | None]:
    """Ranks, dozens, superlatives, sums in won, anniversaries and multiples, in the order
    they take precedence."""
    if words & RANK_WORDS or "among" in words:
        for m in (*RANK_VERB.finditer(sentence), *RANK_AMONG.finditer(sentence)):
            noun, owner = ranked_among(sentence) or rank_details(sentence, m)
            value = ordinal_value(m.group("ord"))
            yield Mention(m.start("ord"), m.end(), value, "rank", "rank", noun, owner, "ranked")
    if "dozen" in words:
        for m in DOZEN.finditer(sentence):
            yield dozen_mention(sentence, m)
    if words & SUPERLATIVE_WORDS:
        for m in RANK.finditer(sentence):
            noun, owner = rank_details(sentence, m)
            sup = SPACES_OR_HYPHENS.sub(" ", m.group("sup").lower())
            value = ordinal_value(m.group("ord"))
            yield Mention(m.start(), m.end(), value, "rank", "rank", noun, owner, sup)
        for m in SUPERLATIVE_ALONE.finditer(sentence):
            yield superlative_mention(sentence, m)
    if "won" in words or "krw" in words or "₩" in sentence:
        for m in MONEY_WON.finditer(sentence):
            yield won_mention(m)
    if "anniversary" in words:
        for m in ANNIVERSARY.finditer(sentence):
            yield Mention(m.start(), m.end(), ordinal_value(m.group("ord")), "years", "anniversary")
    if words & MULTIPLES.keys():
        for m in MULTIPLE.finditer(sentence):
            yield Mention(
                m.start(), m.end(), MULTIPLES[m.group("mult").lower()], "ratio", "multiple"
            )
    if "fold" in sentence.lower():
        for m in FOLD.finditer(sentence):
            yield Mention(m.start(), m.end(), number_value(m.group("num")), "ratio", "multiple")


# --- periods ---------------------------------------------------------------------------------


def full_year(first: str, second: str) -> str:
    """'2009', '10' -> '2010'; '1999', '00' -> '2000'."""
    if len(second) == 4:
        return second
    year = int(first[:2] + second)
    return str(year + 100 if year < int(first) else year)


def period_matches(sentence: str) -> list[re.Match[str]]:
    """PERIODS matches, searched only near the years of a sentence unless it speaks of
    years in words ('last year', 'over five years'): a scan of every word costs too much."""
    if WORDED_TIME.search(sentence):
        return list(scan_periods(sentence, 0, len(sentence)))
    found: dict[int, re.Match[str]] = {}
    for year in YEAR_TOKEN.finditer(sentence):
        window = scan_periods(
            sentence,
            max(0, year.start() - PERIOD_WINDOW),
            min(len(sentence), year.end() + PERIOD_WINDOW),
        )
        for m in window:
            if m.start() <= year.start() and m.end() >= year.end():
                found.setdefault(m.start(), m)
    return [found[start] for start in sorted(found)]


def scan_periods(sentence: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """The matches PERIODS.finditer(sentence, START, END) finds, tried only where
    PERIOD_START says one can begin."""
    free = start
    for candidate in PERIOD_START.finditer(sentence, start, end):
        if candidate.start() < free:
            continue
        match = PERIODS.match(sentence, candidate.start(), end)
        if match:
            free = match.end()
            yield match


def find_periods(
    sentence: str, catalog: Catalog, year: int | None, month: int | None = None
) -> list[Period]:
    """The time expressions of a sentence, normalized, named times included (YEAR and
    MONTH: of the publication date, which a month without a year is read against)."""
    named = named_periods(sentence, catalog, year) + month_periods(sentence, year, month)
    periods: list[Period] = []
    for m in period_matches(sentence):
        if any(p.start < m.end() and p.end > m.start() for p in named):
            continue
        kind = next(
            k
            for k in (
                "academic",
                "slash",
                "fiscal",
                "range",
                "between",
                "since",
                "asof",
                "by",
                "day",
                "from",
                "plain",
                "relative",
                "span",
            )
            if m.group(k)
        )
        if kind == "academic":
            first, second = m.group("a1", "a2") if m.group("a1") else m.group("a3", "a4")
            text = f"{first}/{full_year(first, second)} academic year"
        elif kind == "slash":
            text = f"{m.group('s1')}/{full_year(m.group('s1'), m.group('s2'))}"
        elif kind == "fiscal":
            fy = m.group("fy")
            text = f"FY{fy if len(fy) == 4 else '20' + fy}"
        elif kind == "range":
            text = f"{m.group('r1')}-{full_year(m.group('r1'), m.group('r2') or m.group('r2s'))}"
        elif kind == "between":
            kind, text = "range", f"{m.group('b1')}-{m.group('b2')}"
        elif kind == "since":
            text = "since " + " ".join(m.group().split()[1:])
        elif kind == "asof":
            text = m.group("asofyear")
        elif kind == "by":
            text = m.group("byyear")
        elif kind == "day":
            # A day is not carried to the next sentences; without a year it is this year's.
            kind, text = (
                ("day", m.group("dayyear")) if m.group("dayyear") else ("relative", "this year")
            )
        elif kind == "from":
            text = m.group("fromyear")
        elif kind == "plain":
            text = m.group("year")
        else:
            text = " ".join(m.group().lower().split()).removeprefix("from ")
            if m.group("frombase") or m.group("yearbefore"):
                kind = "from"
        periods.append(Period(m.start(), m.end(), kind, text))
    return sorted([*periods, *named], key=lambda p: p.start) if named else periods


def month_periods(sentence: str, year: int | None, month: int | None) -> list[Period]:
    """Months named without a year ('In February,', 'last November'), as the latest such
    month up to the publication date, as releases tell of what happened; a sentence that
    tells of what will happen ('plans to open in October') means the coming one."""
    if year is None or month is None:
        return []
    lower = sentence.lower()
    if not any(name in lower for name in MONTH_FULL_NAMES):
        return []
    found = []
    stated = {y.group() for y in YEAR_TOKEN.finditer(sentence)}
    ahead = FUTURE.search(sentence) is not None
    for m in MONTH_WITHOUT_YEAR.finditer(sentence):
        named = MONTH_NUMBERS[m.group("month").lower()[:3]]
        before_now = named < month if m.group("pre").lower() == "last" else named <= month
        before_now = before_now or (ahead and m.group("pre").lower() != "last")
        # "During 2015, the wait fell from 42 days in January ...": the sentence's one year.
        of = next(iter(stated)) if len(stated) == 1 else year if before_now else year - 1
        text = f"{m.group('month').capitalize()} {of}"
        found.append(Period(m.start(), m.end(), "month", text))
    return found


def named_periods(sentence: str, catalog: Catalog, year: int | None) -> list[Period]:
    """The times a sentence names: a named period, or 'since' a term of office began (of a
    name with several terms, the latest that began by the release's year)."""
    lower = sentence.lower()
    candidates: dict[tuple[int, int], list[NamedTime]] = {}
    for named in catalog.named:
        if named.word not in lower or (year is not None and named.first_year > year):
            continue
        for m in named.pattern.finditer(sentence):
            candidates.setdefault((m.start(), m.end()), []).append(named)
    periods = []
    for (start, end), found in sorted(candidates.items()):
        if year is None and len({n.period for n in found}) > 1:
            continue
        named = max(found, key=lambda n: n.first_year)
        if not named.since:
            periods.append(Period(start, end, "named", named.period))
        elif year is not None and year > named.first_year:
            periods.append(Period(start, end, "since", f"{named.period} - {year}"))
        else:
            periods.append(Period(start, end, "since", f"since {named.period}"))
    return periods


def shift_years(period: str, delta: int) -> str:
    """A period moved by some years: '2009/2010 academic year' -> '2008/2009 academic year'."""
    return re.sub(YEAR, lambda y: str(int(y.group()) + delta), period)


def resolve_relative(text: str, year: int | None) -> str:
    """'last year' against the publication year ('today', 'this spring': the year itself);
    left as written when that is unknown."""
    if year is None:
        return text
    offset = {
        "this year": 0,
        "last year": -1,
        "the previous year": -1,
        "the past year": -1,
        "next year": 1,
    }.get(text, 0)
    return str(year + offset)


def zone(split: re.Pattern[str], sentence: str, start: int, end: int) -> tuple[int, int]:
    """Where the part of the sentence that SPLIT cuts around the text from START to END
    begins and ends."""
    begin = max((m.end() for m in split.finditer(sentence, 0, start)), default=0)
    after = split.search(sentence, end)
    return begin, after.start() if after else len(sentence)


def governing(mention: Mention, sentence: str, periods: Sequence[Period]) -> list[Period]:
    """The time expressions that may govern a figure: none across a contrast ('$20 billion
    this year, on top of the $39.2 billion pledged in 2021'); those of its own clause when it
    has any ('Last year, trade was $171.8 billion, and this year ...'); else all, unless its
    clause speaks of the present ('signed in 1953, and 28,500 troops are stationed'), which
    only a time that opens the sentence governs ('In 2019, ..., and ...')."""
    low, high = zone(CONTRAST_SPLIT, sentence, mention.start, mention.end)
    periods = [p for p in periods if p.start >= low and p.end <= high]
    start, end = zone(CLAUSE_SPLIT, sentence, mention.start, mention.end)
    own = [p for p in periods if p.start >= start and p.end <= end]
    if own:
        return own
    # A month without a year tells of its own clause only.
    others = [p for p in periods if p.kind != "month"]
    if not PRESENT_CLAUSE.search(sentence[start:end]):
        return others
    return [p for p in others if OPENING_TIME.fullmatch(sentence[: p.start])]


def usable_periods(
    mention: Mention, sentence: str, periods: Sequence[Period], year: int | None
) -> list[Period]:
    """The time expressions that may date a figure: not a base ('from 2019'), not part of the
    figure itself, and 'by 2030', a target, only for money and percentages, unless it is
    past ('By mid-March 2020, Korea was conducting ...'): then it says when the figure held."""
    return [
        p
        for p in periods
        if p.kind != "from"
        and not (p.start < mention.end and p.end > mention.start)
        and (p.kind != "by" or mention.unit in ("usd", "percent") or past_by(p, sentence, year))
    ]


def past_by(period: Period, sentence: str, year: int | None) -> bool:
    """Whether a 'by' time is past when the release speaks: a year before its own, or its
    own year told in the past tense."""
    if year is None:
        return False
    by_year = int(period.text)
    return by_year < year or (
        by_year == year and not FUTURE.search(sentence) and PAST_TENSE.search(sentence) is not None
    )


def change_period(
    mention: Mention,
    sentence: str,
    periods: Sequence[Period],
    chosen: Period | None,
    main: str,
    latest: int | None,
) -> str:
    """The period of a change dated MAIN: counted since a year, it runs up to the LATEST year
    the release states figures for; compared with a base ('from 2019'), it names the base."""
    if chosen is not None and latest is not None:
        since = chosen.kind == "since" or (
            chosen.kind == "plain" and SINCE.search(sentence, mention.end, chosen.start)
        )
        first = re.findall(YEAR, main)
        if since and len(first) == 1 and int(first[0]) < latest:
            return f"{first[0]}-{latest}"
    base = next((p for p in periods if p.kind == "from" and p.start >= mention.end), None)
    if base and re.search(YEAR, base.text):
        return f"{main} vs {base.text}"
    if base:
        return f"{main} vs {shift_years(main, -1)}"
    return main


def figure_times(
    mention: Mention, sentence: str, usable: Sequence[Period]
) -> tuple[Period, Period] | None:
    """The times of the two figures a change runs between, when the sentence names them
    after it ('..., from $30 billion in 2012 to $40 billion last year')."""
    after = [p for p in usable if p.start >= mention.end]
    if len(after) < 2:
        return None
    first, last = after[:2]
    if FROM_FIGURE.fullmatch(sentence, mention.end, first.start) and TO_FIGURE.fullmatch(
        sentence, first.end, last.start
    ):
        return first, last
    return None


def period_for(
    mention: Mention,
    sentence: str,
    periods: Sequence[Period],
    year: int | None,
    is_change: bool,
    implied: str | None = None,
    latest: int | None = None,
) -> str | None:
    """The time a figure refers to: the nearest time expression of its sentence, else the
    period the paragraph has implied so far. A change counted since a year runs up to the
    LATEST year the release states figures for."""
    usable = governing(mention, sentence, usable_periods(mention, sentence, periods, year))
    if mention.kind == "duration" and (
        AGO_AFTER_MENTION.match(sentence, mention.end)
        or ELAPSED_AFTER_MENTION.match(sentence, mention.end)
        or (
            sentence.startswith(" after", mention.end)
            and OPENING_ELAPSED.match(sentence[: mention.start])
        )
    ):
        return str(year) if year is not None else None
    if mention.kind == "duration" and not any(p.kind in ("plain", "month") for p in usable):
        return None  # a span of time ('within 5 years', 'a 15-year lease') is of no year
    if mention.kind == "multiple":
        years = re.findall(YEAR, " ".join(p.text for p in periods))
        if len(years) >= 2:
            return f"{min(years)}-{max(years)}"
    after = [
        p
        for p in usable
        if p.start >= mention.end
        and not (mention.kind == "rank" and "," in sentence[mention.end : p.start])
    ]
    before = [
        p
        for p in usable
        if p.end <= mention.start
        and not (mention.kind == "rank" and PRESENT_TIME.search(sentence, p.end, mention.start))
    ]
    chosen: Period | None = None
    if after and after[0].kind == "by" and before and before[-1].kind == "plain":
        return f"{before[-1].text}-{after[0].text}"
    if after and not (after[0].kind == "span" and mention.unit != "usd"):
        chosen = after[0]
    elif before:
        chosen = before[-1]
    main = implied if not usable else None
    if chosen is not None:
        main = resolve_relative(chosen.text, year) if chosen.kind == "relative" else chosen.text
        if chosen.kind == "span":
            main = " ".join(sentence[chosen.start : chosen.end].split())
    ends = figure_times(mention, sentence, usable)
    if is_change and ends:
        first, last = (
            resolve_relative(p.text, year) if p.kind == "relative" else p.text for p in ends
        )
        return f"{last} vs {first}"
    if is_change and main:
        return change_period(mention, sentence, periods, chosen, main, latest)
    if main is None and mention.kind == "anniversary" and year is not None:
        return str(year)
    return main


# --- metrics ---------------------------------------------------------------------------------


def unit_family(unit: str) -> str:
    """Units that are compared as one: people and counts."""
    return "people" if unit in ("people", "count") else unit


def rank_metric(catalog: Catalog, mention: Mention, sentence: str) -> str | None:
    """The catalog rank a superlative states, when its owner and noun are known; a basis its
    clause names ('Measured by goods alone, Korea ranked 7th among trading partners') is
    part of the noun."""
    if mention.superlative not in ("largest", "biggest", "leading", "top", "ranked"):
        return None
    noun = mention.rank_noun
    start, end = zone(facets.CLAUSE_END, sentence, mention.start, mention.end)
    found = RANK_BASIS.search(sentence, start, end)
    basis = (found.group("basis") or found.group("basis2")).lower() if found else ""
    if basis and not noun.lower().startswith(basis):
        noun = f"{basis} {noun}"
    for entry in catalog.ranks:
        if entry["owner"] == mention.owner and entry["noun"].search(noun):
            return str(entry["key"])
    return None


def content_words(text: str) -> list[str]:
    """Lower-case words of a phrase without stopwords, numbers or years."""
    return [
        w.lower().strip(".’'")
        for w in WORD.findall(text)
        if w.lower() not in STOPWORDS and not re.search(r"\d", w)
    ]


def derived_key(mention: Mention, before: str, after: str, is_change: bool) -> str:
    """A stable key for a fact outside the catalog, from the words around its number."""
    window = NOUN_WINDOW.match(after)
    words = content_words(window.group() if window else "")[:4]
    if mention.kind == "rank":
        words = [mention.superlative.replace(" ", "-"), *content_words(mention.rank_noun)[:5]]
    elif len(words) < 2:
        words = content_words(before)[-4:] + words
    family = "change" if is_change else mention.unit
    return f"{family}:{'_'.join(words) or facets.UNLABELLED}"


def nation_owned(before: str) -> bool:
    """Whether the possessive just before a figure is a nation's, not a company's whose name
    ends in one."""
    owner = NATION_OWNER_BEFORE.search(before)
    if owner is None:
        return False
    name = owner.group("name")
    return name is None or name[0].islower() or name.lower() in STOPWORDS


def series_of(
    found: facets.Facets | None,
    metrics: Sequence[str | None],
    facts: Sequence[Fact],
    mention: Mention,
    before: str,
) -> str | None:
    """The key of a figure's series: its facets when they say enough; else the series of the
    figure before it in the sentence when this one is compared with it ('1,142 students,
    down from 3,960') or names its measure alone ('..., and the stock of that investment')."""
    earlier = [
        (metric, fact)
        for metric, fact in zip(metrics, facts, strict=True)
        if metric and unit_family(fact.unit) == unit_family(mention.unit)
    ]
    if NAMED_OWNER_BEFORE.search(before) and not nation_owned(before):
        return None  # 'Zinus USA's $108 million investment': one company's, not a series
    if ITEM_IN_PARENTHESES_BEFORE.search(before):
        return None  # 'machinery ($6.1 billion)': a part the vocabulary does not name
    if found is not None and facets.specific(found):
        return found.key
    if not earlier:
        return None
    metric, _ = earlier[-1]
    if found is not None:
        return facets.inherit(found, metric)
    return metric if COMPARED_BEFORE.search(before) else None


def extract_document(
    document: NormalizedDocument,
    catalog: Catalog | None = None,
    limits: FactLimits = DEFAULT_LIMITS,
) -> tuple[Fact, ...]:
    """All facts of a normalized release, up to the LIMITS."""
    catalog = catalog or load_catalog()
    date = document.metadata.date or ""
    year = int(date[:4]) if date else None
    month = int(date[5:7]) if len(date) >= 7 else None
    read = [(s, find_periods(s.text, catalog, year, month)) for s in split_sentences(document.text)]
    latest = latest_year(read, year)
    facts: list[Fact] = []
    carry = inherited = Carry()
    previous: Sentence | None = None
    for sentence, periods in read:
        if previous is None or sentence.block != previous.block:
            if previous is not None and previous.text.endswith(":"):
                inherited = carry
            elif not (sentence.is_item and previous is not None and previous.is_item):
                inherited = Carry()
            carry = inherited
        facts.extend(
            sentence_facts(
                document.name, sentence, periods, catalog, year, carry, latest, limits.per_sentence
            )
        )
        if len(facts) >= limits.per_release:
            break
        carry = carry.after(sentence.text, periods, year)
        previous = sentence
    return tuple(facts[: limits.per_release])


def limit_reached(facts: Sequence[Fact], limits: FactLimits) -> str:
    """Which limit a release's facts reached, in words for its page; empty when none did."""
    if len(facts) >= limits.per_release:
        return f"reached the limit of {limits.per_release:,} facts a release"
    per_sentence = Counter((fact.start, fact.end) for fact in facts)
    if per_sentence and max(per_sentence.values()) >= limits.per_sentence:
        return f"a sentence reached the limit of {limits.per_sentence:,} facts"
    return ""


def latest_year(read: Sequence[tuple[Sentence, Sequence[Period]]], year: int | None) -> int | None:
    """The last year a release states figures for ('in 2022'), not after its own year."""
    stated = [
        int(p.text)
        for _, periods in read
        for p in periods
        if p.kind == "plain" and (year is None or int(p.text) <= year)
    ]
    return max(stated, default=None)


def anchored_year(text: str, catalog: Catalog | None = None) -> tuple[int, str] | None:
    """The year of writing, counted exactly from one dated event a sentence names ('the FTA,
    which took effect two years ago'; 'the 70th anniversary of our alliance'), with why."""
    catalog = catalog or load_catalog()
    for sentence in split_sentences(text):
        if not ANCHOR_HINT.search(sentence.text):
            continue
        events = [e for e in catalog.events if e.pattern.search(sentence.text)]
        counts = [
            m
            for m in find_mentions(sentence.text)
            if m.kind == "anniversary"
            or (
                m.kind == "duration"
                and m.unit == "years"
                and AGO_AFTER_MENTION.match(sentence.text, m.end)
            )
        ]
        if len(events) != 1 or len(counts) != 1:
            continue
        count = counts[0]
        head = sentence.text[max(0, count.start - LOOKBACK_CHARS) : count.start]
        if count.kind == "duration" and qualifier_of(head) != "exact":
            continue
        event = events[0]
        return event.year + int(
            count.value
        ), f"{int(count.value)} years after {event.name} in {event.year}"
    return None


@dataclass(frozen=True)
class Carry:
    """What a sentence leaves implied for the next sentences of its paragraph (and for the
    list its paragraph introduces with a colon)."""

    topic: str | None = None
    period: str | None = None
    listing: bool = False  # the sentence before ended with a colon: this one is its list
    # A total counted since a time ('Since January 2021, ... $105 billion') is implied only
    # for the next sentence, when it speaks of that total ('These commitments will ...').
    since: str | None = None

    def after(self, sentence: str, periods: Sequence[Period], year: int | None) -> Carry:
        """The carry once a sentence, with its time expressions, has been read ('last year'
        carried as the year it is, against the publication YEAR)."""
        topics = TRADE_TOPIC.findall(sentence)
        # What comes after 'on top of' tells of something else than the sentence's news.
        contrast = CONTRAST_SPLIT.search(sentence)
        stated = [
            resolve_relative(p.text, year) if p.kind == "relative" else p.text
            for p in periods
            if p.kind in CARRIED_PERIODS and (contrast is None or p.end <= contrast.start())
        ]
        since = [p.text for p in periods if p.kind == "since"]
        return Carry(
            topic=topics[-1].lower() if topics else self.topic,
            period=stated[-1] if stated else self.period,
            listing=sentence.rstrip().endswith(":"),
            since=since[-1] if since else None,
        )


def continues_in_time(sentence: str) -> bool:
    """Whether a sentence refers to the time the sentences before it stated."""
    if PRESENT_TIME.search(sentence):
        return False
    if ANAPHORA.search(sentence):
        return True
    return bool(PAST_TENSE.search(sentence)) and not (
        FUTURE.search(sentence) or PRESENT_CLAUSE.search(sentence)
    )


def clause_before(text: str, start: int, floor: int) -> str:
    """The words before a quantity back to the mark that opens its clause."""
    head = PARENTHETICAL.sub("", text[floor:start])
    cut = max(head.rfind(","), head.rfind(";"), head.rfind(":"))
    return head[cut + 1 :]


def before_context(text: str, start: int, floor: int) -> str:
    """The words that lead up to a quantity, back to the start of its clause or to an 'and'
    just before it ('goods trade and nearly $35 billion')."""
    head = clause_before(text, start, floor)
    joined = head.rfind(" and ")
    while joined >= FIXED_AND_BACK and FIXED_AND.match(head, joined - FIXED_AND_BACK):
        joined = head.rfind(" and ", 0, joined)
    if joined >= 0 and len(head[joined + 5 :].split()) <= AND_TAIL_WORDS:
        return head[joined + 5 :]
    return head


def resolve_owner(text: str, mention: Mention, earlier: Sequence[Mention]) -> Mention:
    """Fill an elliptical rank ('and the U.S. is Korea's 2nd-largest'); resolve 'its' and
    a rank whose owner is implied by the rank before it in the sentence."""
    noun, owner = mention.rank_noun, mention.owner
    if not noun and earlier and earlier[-1].kind == "rank":
        noun = earlier[-1].rank_noun
    if owner == "its":
        named = list(POSSESSIVE_NAME.finditer(text, 0, mention.start))
        owner = ("us" if named[-1].group("us") else "rok") if named else None
    if owner is None:
        owners = [m.owner for m in earlier if m.kind == "rank" and m.owner]
        owner = owners[-1] if owners else None
    if owner is None and (ranked := RANKED_NATION.match(text[: mention.end])):
        owner = "rok" if ranked.group("us") else "us"
    return Mention(
        mention.start, mention.end, mention.value, "rank", "rank", noun, owner, mention.superlative
    )


def change_of(
    mention: Mention, wording: Wording, changed_before: float | None
) -> tuple[bool, float]:
    """Whether a money or percent figure states a change, and its sign: a verb of change
    before or after it, or a parenthesis right after a change (CHANGED_BEFORE: that change's
    value) restating it in other terms."""
    text = wording.text
    if mention.kind not in ("percent", "money"):
        return False, 1.0
    if DECREASE_BEFORE.search(wording.head):
        return True, -1.0
    if INCREASE_BEFORE.search(wording.head):
        return True, 1.0
    if DECREASE_AFTER.match(text, mention.end):
        return True, -1.0
    if INCREASE_AFTER.match(text, mention.end):
        return True, 1.0
    if changed_before is not None and PARENTHESIS_AFTER_CHANGE.match(
        text[wording.previous_end : mention.start]
    ):
        return True, -1.0 if changed_before < 0 else 1.0
    return False, 1.0


def clause_opening(text: str, mention: Mention, mentions: Sequence[Mention]) -> str:
    """The words of a mention's clause before its first figure, which often name what every
    figure of the clause measures."""
    clause_start = max((m.end() for m in CLAUSE_STOP.finditer(text, 0, mention.start)), default=0)
    first_in_clause = next(m.start for m in mentions if m.start >= clause_start)
    return PARENTHETICAL.sub("", text[clause_start:first_in_clause])


def change_metric(mention: Mention, levels: list[str], wording: Wording) -> str | None:
    """The series a change or multiple belongs to: that of the last level figure before it
    (LEVELS), else the level its own words name when they are specific."""
    contexts = wording.contexts
    measured = facets.read_facets(
        "usd", "level", contexts, wording.clause, wording.topic, wider=[*contexts, wording.text]
    )
    statistic = (
        "multiple"
        if mention.kind == "multiple"
        else ("change_pct" if mention.unit == "percent" else "change_usd")
    )
    if not levels and measured and facets.specific(measured):
        levels = [measured.key]
    return facets.with_statistic(levels[-1], statistic) if levels else None


@dataclass(frozen=True)
class Wording:
    """The words around one figure of a sentence that its change and series are read from."""

    text: str
    previous_end: int  # where the figure before it ends, else 0
    head: str  # the characters just before it
    before: str  # its clause's words that lead up to it
    after: str  # the words after it, up to the next figure or the clause's end
    local: str  # before, the figure and after, parentheticals removed
    clause: str
    topic: str  # the topic carried in from earlier sentences, when this one names none
    contexts: list[str]  # tried in turn to read its series


def wording_of(text: str, mentions: Sequence[Mention], index: int, topic: str | None) -> Wording:
    """The words around the INDEXth figure of a sentence."""
    mention = mentions[index]
    previous_end = mentions[index - 1].end if index else 0
    next_start = mentions[index + 1].start if index + 1 < len(mentions) else len(text)
    clause_end = next((m.start() for m in CLAUSE_STOP.finditer(text, mention.end)), len(text))
    before = before_context(text, mention.start, previous_end)
    after = text[mention.end : min(next_start, clause_end)]
    local = PARENTHETICAL.sub("", f"{before}{text[mention.start : mention.end]}{after}")
    topic = topic if topic and not TRADE_TOPIC.search(text) else ""
    contexts = [local, f"{clause_opening(text, mention, mentions)} {local}"]
    return Wording(
        text,
        previous_end,
        text[max(0, mention.start - LOOKBACK_CHARS) : mention.start],
        before,
        after,
        local,
        clause_before(text, mention.start, previous_end) + local[len(before) :],
        topic,
        contexts + ([f"{c} {topic}" for c in contexts] if topic else []),
    )


def level_metric(mention: Mention, wording: Wording, facts: Sequence[Fact]) -> str | None:
    """The series of a level, share or count (FACTS: those before it in the sentence); a
    count is read from the noun right after it and the words that lead up to it."""
    statistic = "share" if mention.unit == "percent" else "level"
    near = wording.contexts
    if mention.kind == "count":
        window = NOUN_WINDOW.match(wording.after)
        near = [window.group() if window else "", clause_before(wording.text, mention.start, 0)]
    measured = facets.read_facets(
        mention.unit,
        statistic,
        near,
        wording.clause,
        wording.topic,
        wider=[*wording.contexts, wording.text],
    )
    return series_of(measured, [f.metric for f in facts], facts, mention, wording.before)


def sentence_facts(
    document: str,
    sentence: Sentence,
    periods: Sequence[Period],
    catalog: Catalog,
    year: int | None,
    carry: Carry,
    latest: int | None = None,
    most: int = DEFAULT_LIMITS.per_sentence,
) -> list[Fact]:
    """The facts of one sentence, MOST at most; LATEST is the last year the release states
    figures for."""
    text = sentence.text
    mentions = find_mentions(text)[:most]
    if not mentions:
        return []
    facts: list[Fact] = []
    changes: list[bool] = []
    refers_back = carry.period and (sentence.is_item or carry.listing or continues_in_time(text))
    carried = carry.period if refers_back else None
    if carry.since and ANAPHORA.match(text):
        carried = carry.since
    for index, mention in enumerate(mentions):
        wording = wording_of(text, mentions, index, carry.topic)
        qualifier = mention.qualifier or qualifier_of(wording.head)
        changed_before = facts[-1].value if index and changes[-1] else None
        is_change, sign = change_of(mention, wording, changed_before)
        metric: str | None
        if mention.kind == "rank":
            mention = mentions[index] = resolve_owner(text, mention, mentions[:index])
            metric = rank_metric(catalog, mention, text)
        elif is_change or mention.kind == "multiple":
            levels = [f.metric for f, c in zip(facts, changes, strict=True) if f.metric and not c]
            metric = change_metric(mention, levels, wording)
        else:
            metric = level_metric(mention, wording, facts)
        implied = carried if mention.kind not in ("rank", "duration", "anniversary") else None
        period = period_for(mention, text, periods, year, is_change, implied, latest)
        key = metric or derived_key(mention, wording.before, wording.after, is_change)
        context = metric is None and CONTEXT_TERM.search(wording.local)
        scope = "context" if context else "bilateral"
        facts.append(
            Fact(
                document=document,
                sentence=text,
                start=sentence.start,
                end=sentence.end,
                mention=text[mention.start : mention.end],
                value=sign * mention.value,
                unit=mention.unit,
                qualifier=qualifier,
                period=period,
                metric=metric,
                key=key,
                scope=scope,
                **facets.fields(metric, mention.kind == "rank"),
            )
        )
        changes.append(is_change)
    return facts
