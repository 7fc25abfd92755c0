"""Text search over a practitioner's name, clinic and city.

On PostgreSQL it reads ``Practitioner.search_text`` — name, clinic name and city,
lower-cased and unaccented, kept by database triggers (migration 0005) — through two GIN
indexes. Full-text search with prefix matching comes first ("aus" finds Austin, every
word must match); only when nothing at all matches that way does the search fall back to
trigram word similarity, so that a small typo ("Jonhson") still finds Johnson. Full-text
matches carry no ``search_rank``: among them the best rated come first, an order
PostgreSQL reads from the summary's rating index and stops after one page, however
common the word ("skin" matches a third of the directory). Typo matches are few and
ranked by word similarity (``search_rank``). On SQLite every word must appear,
case-insensitively, in the first name, last name, clinic name or city: simple and
correct, without ranking.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections
from django.db.models import F, FloatField, Func, Q, QuerySet, Value

from listings.geo import fold

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
_WORD = re.compile(r"\w+")


class SearchTextVector(Func):
    """``to_tsvector('simple', search_text)`` — exactly the expression the GIN index holds."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


class WordSimilarity(Func):
    """pg_trgm's ``word_similarity(query, text)``: how well the query matches a part of text."""

    function = "word_similarity"
    output_field = FloatField()


def search_terms(text: str) -> list[str]:
    """The words of a query, folded like the stored search text; at most ``MAX_TERMS``."""
    return _WORD.findall(fold(text))[:MAX_TERMS]


def uses_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def filter_by_text(queryset: QuerySet, text: str) -> QuerySet:
    """Practitioners matching ``text``; on PostgreSQL annotated with ``search_rank``."""
    terms = search_terms(text)
    if not terms:
        return queryset
    if uses_postgres(queryset):
        return _postgres_search(queryset, terms)
    return _simple_search(queryset, text.split()[:MAX_TERMS])


def full_text_query(terms: list[str]) -> SearchQuery:
    """Every word, as a prefix: ``aus`` finds Austin."""
    # Each word is \w+ only, so the raw tsquery cannot be malformed.
    return SearchQuery(
        " & ".join(f"{term}:*" for term in terms), config="simple", search_type="raw"
    )


def _postgres_search(queryset: QuerySet, terms: list[str]) -> QuerySet:
    query = full_text_query(terms)
    vector = SearchTextVector(F("search_text"))
    matches_text = queryset.model._default_manager.using(queryset.db).alias(search_vector=vector)
    # "The first match by id" rather than EXISTS: for a common word PostgreSQL walks the
    # primary key a few rows, for a rare one it asks the GIN index. With EXISTS it reads
    # the table itself for a common word, which no plan on a large table should do.
    matches = matches_text.filter(search_vector=query).order_by("pk").values_list("pk")
    if matches.first() is not None:
        # The GIN index alone answers; no rank, so the order can come from an index.
        return queryset.alias(search_vector=vector).filter(search_vector=query)
    phrase = " ".join(terms)
    # Nothing matches as typed: a typo. Word similarity ranks the few near matches
    # (whole words score 1, typos less) far cheaper than ts_rank would.
    return queryset.filter(search_text__trigram_word_similar=phrase).annotate(
        search_rank=WordSimilarity(Value(phrase), F("search_text"))
    )


def _simple_search(queryset: QuerySet, words: list[str]) -> QuerySet:
    for word in words:
        queryset = queryset.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(clinic__name__icontains=word)
            | Q(clinic__city__icontains=word)
        )
    return queryset
