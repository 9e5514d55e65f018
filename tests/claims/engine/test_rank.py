"""BM25-style ranking and the in-memory index."""

from collections.abc import Hashable

from claims.engine import InMemoryIndex, analyze, index_terms, rank

CLAIMS = {
    "gdp": "Germany's GDP shrank 0.3% in 2023.",
    "jobs": "US unemployment rose to 4.1% in June.",
    "chip": "Huawei's Ascend 910C delivers about 60% of H100 inference performance.",
    "chip2": "The Ascend 910D is meant to rival the H100.",
    "food": "Egg prices doubled in California.",
}


def build() -> InMemoryIndex:
    index = InMemoryIndex()
    for key, text in CLAIMS.items():
        index.add(key, analyze(text))
    return index


def test_search_finds_the_reworded_claim_first() -> None:
    hits = build().search(
        analyze("Ascend 910C reaches roughly 60 percent of H100 inference speed"), k=3
    )
    assert hits[0][0] == "chip"
    assert [h[0] for h in hits][:2] == ["chip", "chip2"]
    assert hits[0][1] > hits[1][1] > 0


def test_search_respects_k_and_skips_non_matching() -> None:
    hits = build().search(analyze("German GDP shrank"), k=1)
    assert [h[0] for h in hits] == ["gdp"]
    assert build().search(analyze("zebra"), k=5) == []


def test_index_stats_follow_adds_and_removes() -> None:
    index = build()
    assert index.n_docs == 5
    assert index.doc_freq("h100") == 2
    index.remove("chip2")
    assert index.doc_freq("h100") == 1
    index.add("chip", analyze("Egg prices fell."))
    assert index.n_docs == 4
    assert index.doc_freq("910c") == 0


class FixedStats:
    """A stand-in for the database-backed statistics."""

    def __init__(self, n_docs: int, avg_len: float, df: dict[str, int]) -> None:
        self.n_docs = n_docs
        self.avg_len = avg_len
        self._df = df

    def doc_freq(self, term: str) -> int:
        return self._df.get(term, 0)


def test_rank_works_with_external_stats_and_prefers_rare_terms() -> None:
    stats = FixedStats(1000, 6.0, {"egg": 5, "price": 400, "california": 50})
    candidates: list[tuple[Hashable, list[str]]] = [
        (1, ["price", "california", "rent"]),
        (2, ["egg", "price", "shortag"]),
        (3, ["weather", "sunni"]),
    ]
    ranked = rank(analyze("Egg prices in California"), candidates, stats, k=10)
    assert [doc for doc, _ in ranked] == [2, 1]


def test_rank_uses_index_terms_format() -> None:
    features = analyze("Egg prices doubled in California.")
    stats = FixedStats(10, 4.0, dict.fromkeys(index_terms(features), 1))
    ranked = rank(features, [("x", index_terms(features))], stats)
    assert ranked[0][0] == "x"
    assert ranked[0][1] > 0


def test_term_counts_feed_bm25_term_frequency() -> None:
    from claims.engine import index_term_counts

    counts = index_term_counts(analyze("Egg prices rose. Egg prices rose again!"))
    assert counts["egg"] == 2
    stats = FixedStats(100, 4.0, {"egg": 10, "price": 10})
    query = analyze("egg prices")
    once = rank(query, [("once", {"egg": 1, "price": 1})], stats)[0][1]
    twice = rank(query, [("twice", {"egg": 2, "price": 2})], stats)[0][1]
    as_list = rank(query, [("list", ["egg", "egg", "price", "price"])], stats)[0][1]
    assert twice > once
    assert as_list == twice
