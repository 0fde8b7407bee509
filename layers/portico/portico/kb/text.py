"""Text analysis for knowledge-base search: tokens, stopwords, Snowball stems, folded
diacritics, Markdown to plain text.

SQLite's own tokenizers stem English only, so every term the index holds is made here,
in Python, and the index stores the result as space-separated words. Queries go through
the same functions, so a query term and an indexed term always meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

LANGS = ("en", "fi")
_ALGORITHM = {"en": "english", "fi": "finnish"}

# Words (letters or digits of any script); "_" is punctuation to readers.
WORD = re.compile(r"[^\W_]+")

def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Common function words that carry no topic. Kept short on purpose: a longer list starts
# dropping words that are topics in a support text ("all", "first", "use").
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _set("""
        a an and are as at be been but by for from had has have he her his i if in into is
        it its itself me my of on or our she so such than that the their them then there
        these they this those to was we were what when where which while who whom why will
        with would you your yours can could do does did doing about am very just also s t
        """),
    "fi": _set("""
        ja on ei se että tai kun jos niin kuin mutta myös vain nyt sekä eli siis joka jotka
        mikä mitkä mitä miten miksi missä mistä mihin olla ole olen olet olemme olette ovat
        oli olivat ollut oma omat minä sinä hän me te he minun sinun hänen meidän
        teidän heidän tämä tämän tätä nämä noiden tuo nuo se sen sitä ne niiden niitä
        jo vielä voi voit voin voimme kanssa kaikki eikä en et emme ette eivät
        """),
}

_MD_CODE_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_MD_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_MD_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_MD_LINE_MARK = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`+|~~)")
_SPACES = re.compile(r"\s+")


def plain(markdown: str) -> str:
    """The readable text of a Markdown (or plain) body, for indexing and snippets: link
    and image texts stay, their targets, HTML tags and formatting marks go."""
    text = _MD_CODE_FENCE.sub(" ", markdown)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_REF_DEF.sub(" ", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_TAG.sub(" ", text)
    text = _MD_LINE_MARK.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The word without diacritics (ä -> a, é -> e), so "paivitys" finds "päivitys"."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> Iterator[str]:
    """The lower-cased words of a text, diacritics kept (the Finnish stemmer needs them)."""
    return (m.group() for m in WORD.finditer(text.lower()))


@lru_cache(maxsize=4)
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_ALGORITHM[lang])


@lru_cache(maxsize=262144)
def term(word: str, lang: str) -> str:
    """The indexed form of a lower-cased word: its Snowball stem in `lang`, then folded.

    Stemming comes before folding because the Finnish rules read ä and ö."""
    return fold(str(_stemmer(lang).stemWord(word)))


def terms(text: str, lang: str) -> list[str]:
    """The indexed terms of a text, in order, stopwords left out."""
    stop = STOPWORDS[lang]
    return [term(w, lang) for w in words(text) if w not in stop]


def folded_words(text: str) -> list[str]:
    """Words folded but not stemmed: what a typed prefix is matched against."""
    return [fold(w) for w in words(text)]
