"""Compatible: related, not the same claim, and no conflict."""

from claims.engine import PairResult, analyze, classify


def verdict(a: str, b: str) -> PairResult:
    return classify(analyze(a), analyze(b))


def test_sibling_model_code_is_another_subject() -> None:
    result = verdict(
        "The Ascend 910C delivers about 60% of H100 inference performance.",
        "The Ascend 910D is meant to rival the H100.",
    )
    assert result.label == "compatible", result.reasons
    assert any(r.startswith("Different subject: 910c") and "910d" in r for r in result.reasons)


def test_other_model_with_other_number_is_not_a_conflict() -> None:
    result = verdict(
        "The A100 reaches 60% utilisation in training.",
        "The H200 reaches 90% utilisation in training.",
    )
    assert result.label == "compatible", result.reasons


def test_other_year_with_other_figure_is_another_time() -> None:
    result = verdict("Unemployment was 4% in 2023.", "Unemployment was 6% in 2021.")
    assert result.label == "compatible", result.reasons
    assert "Different year: 2023 vs 2021 (another time, not a conflict)" in result.reasons


def test_more_precise_consistent_figure() -> None:
    result = verdict("Turnout was about 60% in the election.", "Turnout was 58% in the election.")
    assert result.label == "compatible", result.reasons
    assert any(r.startswith("Numbers consistent: about 60% vs 58%") for r in result.reasons)


def test_point_inside_open_range_is_consistent() -> None:
    result = verdict(
        "The library holds over 300 million books.", "The library holds about 350 million books."
    )
    assert result.label == "compatible", result.reasons


def test_other_place_is_another_subject() -> None:
    result = verdict(
        "Unemployment in Portugal rose in 2020.", "Unemployment in Ireland rose in 2020."
    )
    assert result.label == "compatible", result.reasons


def test_other_fact_about_the_same_subject() -> None:
    result = verdict(
        "The Orion language model has been downloaded over 2 million times.",
        "The Orion language model was released as open source.",
    )
    assert result.label == "compatible", result.reasons


def test_unrelated_claims() -> None:
    result = verdict(
        "Coffee prices doubled in Vietnam.",
        "The marathon record was broken in Berlin.",
    )
    assert result.label == "unrelated"
    assert result.score > 0.5


def test_same_figure_different_topic_is_unrelated() -> None:
    result = verdict(
        "Rwanda aims for 70% forest cover by 2030.",
        "Streaming will make up 70% of music revenue by 2027, analysts say.",
    )
    assert result.label == "unrelated", result.reasons


def test_same_trend_in_another_year_is_another_time() -> None:
    result = verdict("Unemployment in Peru rose in 2020.", "Unemployment in Peru rose in 2021.")
    assert result.label == "compatible", result.reasons
    assert any("another time, not a conflict" in r for r in result.reasons)


def test_same_figure_in_another_year_is_another_time() -> None:
    result = verdict("Inflation was 4% in 2023.", "Inflation was 4% in 2021.")
    assert result.label == "compatible", result.reasons


def test_one_off_event_in_another_year_conflicts() -> None:
    result = verdict("Chile signed the treaty in 2019.", "Chile signed the treaty in 2021.")
    assert result.label == "conflict", result.reasons
    assert any(r.startswith("Different year: 2019 vs 2021") for r in result.reasons)


def test_lowercase_claims_report_shared_words() -> None:
    result = verdict("the bakery sells bread daily.", "the bakery sells bread every day.")
    assert any(r.startswith("Shared words: ") for r in result.reasons)
