"""The knowledge base's search engine on small indexes the tests build: ranking sanity,
audience and language filters, Finnish stems and folded diacritics, hostile queries,
escaped snippets and the build/load round trip."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from portico.kb import semantic, text
from portico.kb.search import SearchIndex

FILLER = ("The portal keeps your account settings in one place and shows what changed "
          "recently for everyone who works with you.")


def article(id_: str, title: str, body: str = FILLER, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "slug": id_, "external_id": f"ext-{id_}", "title": title,
            "body": body, "summary": "", "category": "general", "tags": [], "lang": "en",
            "audience": "public", "status": "published", **extra}


def index(*articles: dict[str, Any]) -> SearchIndex:
    # Enough unrelated articles that document frequencies mean something.
    others = [article(f"other-{i}", f"Other topic {w}", f"{FILLER} {w} {w}.")
              for i, w in enumerate(["shipping", "delivery", "returns", "warranty",
                                     "holidays", "opening hours", "newsletter", "careers"])]
    return SearchIndex.load(SearchIndex.build([*articles, *others]))


def ids(hits: list[Any]) -> list[str]:
    return [h["id"] for h in hits]


def test_title_match_ranks_above_body_match() -> None:
    idx = index(article("body", "Account basics", f"{FILLER} How to reset a password."),
                article("title", "Reset a password"))
    assert ids(idx.search("reset password", roles=()))[:2] == ["title", "body"]


def test_exact_phrase_ranks_above_scattered_words() -> None:
    idx = index(
        article("scattered", "Help", "A reset link arrives by mail. The invoice shows the "
                "amount. Your password must be long."),
        article("phrase", "Help", "A password reset link arrives by mail. The invoice "
                "shows the amount. Your code must be long."))
    assert ids(idx.search("password reset", roles=()))[:2] == ["phrase", "scattered"]


def test_restricted_article_never_reaches_other_readers() -> None:
    secret = article("partner-only", "Partner discount codes",
                     "Discount codes for partners only.", audience=["partner"])
    idx = index(secret, article("public", "Discount codes", "Public discount codes."))
    for roles in [(), ("contact",), ("contact", "billing"), ("partne",), ("partner ",)]:
        assert "partner-only" not in ids(idx.search("partner discount codes", roles=roles,
                                                    limit=100))
        assert "partner-only" not in ids(idx.suggest("partner disc", roles=roles))
        assert "partner-only" not in ids(idx.suggest("partner", roles=roles, limit=20))
    assert "partner-only" in ids(idx.search("partner discount", roles=("partner",)))
    assert "partner-only" in ids(idx.suggest("partner disc", roles=("partner",)))
    assert "partner-only" in ids(idx.search("partner discount", roles=(), unrestricted=True))


def test_an_empty_audience_is_staff_only() -> None:
    idx = index(article("nobody", "Internal runbook", audience=[]))
    assert idx.search("runbook", roles=()) == []
    assert idx.search("runbook", roles=("contact", "partner")) == []
    assert ids(idx.search("runbook", roles=(), unrestricted=True)) == ["nobody"]


def test_filters_come_before_the_limit() -> None:
    # Fifty restricted articles that match better than the one public article: a filter
    # after truncation would leave the anonymous reader with nothing.
    hidden = [article(f"h{i}", "Invoice copy invoice copy", "Invoice copy.", audience=["agent"])
              for i in range(50)]
    idx = index(*hidden, article("pub", "Billing", f"{FILLER} Ask for an invoice copy."))
    assert ids(idx.search("invoice copy", roles=(), limit=1)) == ["pub"]


def test_language_and_category_filters() -> None:
    idx = index(article("en", "Invoice due date"),
                article("fi", "Laskun eräpäivä", "Laskun eräpäivä näkyy laskulla.", lang="fi"),
                article("other-cat", "Invoice due date", category="billing"))
    assert set(ids(idx.search("invoice", roles=(), lang="en"))) == {"en", "other-cat"}
    assert ids(idx.search("invoice", roles=(), lang="en", category="billing")) == ["other-cat"]
    assert ids(idx.search("lasku", roles=(), lang="fi")) == ["fi"]
    assert idx.search("lasku", roles=(), lang="en") == []
    assert idx.search("invoice", roles=(), lang="sv") == []


def test_finnish_stemming_finds_inflected_forms() -> None:
    idx = index(article("lasku", "Lasku", "Lasku lähetetään kuun alussa.", lang="fi"),
                article("laskut", "Laskut", "Kaikki laskut löytyvät portaalista.", lang="fi"))
    assert set(ids(idx.search("laskun", roles=(), lang="fi"))) == {"lasku", "laskut"}
    assert set(ids(idx.search("laskuja", roles=()))) == {"lasku", "laskut"}
    assert ids(idx.suggest("laskun", roles=(), lang="fi"))


def test_diacritics_fold_both_ways() -> None:
    idx = index(article("fi", "Päivitys", "Sovelluksen päivitys tehdään öisin.", lang="fi"),
                article("fr", "Café menu", "The café opens early."))
    assert ids(idx.search("paivitys", roles=(), lang="fi")) == ["fi"]
    assert ids(idx.search("PÄIVITYS", roles=(), lang="fi")) == ["fi"]
    assert ids(idx.search("cafe", roles=(), lang="en")) == ["fr"]
    assert ids(idx.suggest("paiv", roles=())) == ["fi"]
    hit = idx.search("paivitys", roles=(), lang="fi")[0]
    assert "<mark>päivitys</mark>" in hit["snippet"]


@pytest.mark.parametrize("q", [
    'password" OR "x', "password AND NOT reset", "NEAR(password reset, 2)", "pass*",
    "^password", "title:password", "{title body}: password", "(password", "password)",
    '"', "-password", "password -reset", "' OR 1=1 --", "password; DROP TABLE doc;",
    "\x00password", "pass\u200bword", "*", ":", "AND", "OR OR OR", "NOT",
])
def test_search_syntax_is_just_text(q: str) -> None:
    idx = index(article("pw", "Reset a password"))
    hits = idx.search(q, roles=())
    suggestions = idx.suggest(q, roles=())
    assert isinstance(hits, list)
    assert isinstance(suggestions, list)
    if "password" in q and "pass\u200b" not in q:
        assert "pw" in ids(hits)


def test_ten_kilobytes_of_garbage_answers_normally() -> None:
    rnd = random.Random(3)  # noqa: S311 -- test data, not secrets
    idx = index(article("pw", "Reset a password"))
    alphabet = string.printable + "äöå€\u0301\ufffd\"*:^()-"
    garbage = "".join(rnd.choice(alphabet) for _ in range(10_000))
    assert isinstance(idx.search(garbage, roles=()), list)
    assert isinstance(idx.suggest(garbage, roles=()), list)
    assert "pw" in ids(idx.search("password " + garbage, roles=()))
    assert "pw" in ids(idx.search("password " + "x" * 10_000, roles=()))
    assert "pw" in ids(idx.search("password " + "xy " * 3_000, roles=()))


def test_snippet_is_escaped_and_highlighted() -> None:
    body = ('Never paste <script>alert("x")</script> into the password field: 5 < 6 & '
            '<img src=x onerror=alert(1)> "quoted" it\'s')
    hit = index(article("xss", "Password safety", body)).search("password", roles=())[0]
    assert "<script" not in hit["snippet"]
    assert "<img" not in hit["snippet"]
    assert "5 &lt; 6 &amp;" in hit["snippet"]
    assert "&quot;quoted&quot; it&#x27;s" in hit["snippet"]
    assert "<mark>password</mark>" in hit["snippet"]
    assert hit["snippet"].replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_markdown_is_indexed_as_text() -> None:
    body = "## Steps\n\n1. Open [the billing page](https://example.com/billing)\n2. **Pay**"
    hit = index(article("md", "Paying", body)).search("billing page", roles=())[0]
    assert hit["id"] == "md"
    assert "https://" not in hit["snippet"]
    assert "**" not in hit["snippet"]


def test_build_load_round_trip_and_hit_shape() -> None:
    blob = SearchIndex.build([
        article("a1", "Reset a password"),
        article("draft", "Reset a password draft", status="draft")])
    idx = SearchIndex.load(blob)
    again = SearchIndex.load(idx.dump())
    assert idx.count == again.count == 1
    hits = again.search("password", roles=())
    assert hits == idx.search("password", roles=())
    assert set(hits[0]) == {"id", "slug", "external_id", "title", "snippet", "score"}
    assert hits[0]["external_id"] == "ext-a1"
    assert again.suggest("pass", roles=()) == [
        {"id": "a1", "slug": "a1", "external_id": "ext-a1", "title": "Reset a password"}]
    with pytest.raises(Exception):  # noqa: B017, PT011 -- any refusal will do
        SearchIndex.load(b"not an index")


def test_empty_index_and_empty_queries() -> None:
    idx = SearchIndex.load(SearchIndex.build([]))
    assert idx.search("anything", roles=()) == []
    assert idx.suggest("any", roles=()) == []
    full = index(article("pw", "Reset a password"))
    assert full.search("", roles=()) == []
    assert full.search("the and of", roles=()) == []
    assert full.suggest(" ", roles=()) == []


def test_limit_and_offset_page_through_the_same_ranking() -> None:
    idx = index(*[article(f"a{i}", f"Password tip {i}", f"Password advice number {i}.")
                  for i in range(15)])
    everything = ids(idx.search("password", roles=(), limit=15))
    assert len(everything) == 15
    assert ids(idx.search("password", roles=(), limit=5, offset=5)) == everything[5:10]
    assert idx.search("password", roles=(), limit=0) == []


def test_suggest_completes_the_word_being_typed() -> None:
    idx = index(article("pw", "Reset a password"), article("inv", "Download an invoice"),
                article("inv2", "Invoices explained"))
    assert ids(idx.suggest("passw", roles=())) == ["pw"]
    assert set(ids(idx.suggest("invoice", roles=()))) == {"inv", "inv2"}
    assert ids(idx.suggest("download inv", roles=()))[0] == "inv"


def test_text_analysis() -> None:
    assert text.terms("Laskun päivitys", "fi") == ["lasku", "paivitys"]
    assert text.terms("The invoices were paid", "en") == ["invoic", "paid"]
    assert text.fold("Ääkkönen") == "Aakkonen"
    assert text.plain("# Title\n\nSee [docs](http://x.example) and `code`.") == \
        "Title See docs and code."


# -- meaning (kb.semantic) -------------------------------------------------------------------
def _refunds(*more: dict[str, Any]) -> list[dict[str, Any]]:
    # The same words of the query in each; the beach is shorter, so the words favour it.
    return [article("beach", "Phone refund", "A broken window, a fence, photos of a beach."),
            article("device", "Phone refund",
                    "A broken handset, a defective device, money back to a card."),
            article("office", "Phone", "Phone numbers of the office."), *more]


def test_meaning_decides_between_articles_the_words_rank_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    q = "refund for a broken phone"
    assert ids(index(*_refunds()).search(q, roles=()))[:2] == ["device", "beach"]
    monkeypatch.setattr(semantic, "encoder", lambda: None)
    assert ids(index(*_refunds()).search(q, roles=()))[:2] == ["beach", "device"], \
        "by words alone"


def test_a_list_with_an_article_the_model_cannot_read_keeps_the_words_order() -> None:
    finnish = article("fi", "Phone refund", "Rikkinäinen puhelin, rahat takaisin.", lang="fi")
    hits = index(*_refunds(finnish)).search("refund for a broken phone", roles=(), lang=None)
    assert "fi" in ids(hits)
    assert ids(hits).index("beach") < ids(hits).index("device")


def test_an_index_built_without_the_model_searches_by_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "encoder", lambda: None)
    idx = index(article("a", "Reset a password"))
    assert ids(idx.search("password reset", roles=()))[:1] == ["a"]


def test_a_querys_vector_is_the_models_own() -> None:
    model = semantic.encoder()
    assert model is not None, "the dev environment installs wordllama"
    tables = model.tables
    assert len(tables["tokens"]) == 32000 * semantic.DIMS
    query = semantic.query_encoder(tables)
    assert semantic.query_encoder(dict(tables)) is query, "made once"
    for q in ["heart attack", "Salasanan vaihto", "x" * 300, "<script>\"'"]:
        exact = model.embed([q])[0]
        got = query.vector(q)
        assert got is not None
        assert sum(a * float(b) for a, b in zip(got, exact, strict=True)) > 0.999
    stored = model.vectors(["heart attack"])[0]
    assert len(stored) == 4 + semantic.DIMS
    assert semantic.similarity(query.vector("heart attack") or [], stored) > 0.99
    assert query.vector("") is None
