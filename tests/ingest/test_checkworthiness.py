"""The check-worthiness model: training, the committed weights, reasons, and the commands."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ingest.checkworthiness import lexical_model, score_sentences
from ingest.checkworthiness.features import tokens
from ingest.checkworthiness.model import LinearModel, TrainOptions, train

WORTHY = [
    "Unemployment fell to 3.5% in 2019, the Labor Department said.",
    "The state spent $4 billion on roads last year, more than any other state.",
    "Crime rose 12 percent in the city between 2015 and 2020.",
    "He voted against the bill that cut taxes for 2 million families.",
    "Our exports doubled in ten years, according to the trade office.",
    "The deficit is larger now than it was in 2008.",
]
NOT_WORTHY = [
    "Thank you very much.",
    "I think we should all come together.",
    "Let me finish, please.",
    "What are you going to do about it?",
    "It is wonderful to be here tonight.",
    "We will make this country great.",
]


def test_the_model_learns_from_labelled_sentences(tmp_path):
    texts = WORTHY * 3 + NOT_WORTHY * 3
    labels = [1] * len(WORTHY) * 3 + [0] * len(NOT_WORTHY) * 3
    model = train(texts, labels, options=TrainOptions(epochs=80, folds=2, min_count=1))
    path = tmp_path / "w.json"
    model.save(path)
    loaded = LinearModel.load(path)
    assert loaded.threshold == pytest.approx(model.threshold, abs=1e-4)
    new_worthy = loaded.score("Prices rose 8% in 2022, the statistics office said.")
    new_other = loaded.score("Thank you, it is wonderful to be here.")
    assert new_worthy.score > new_other.score
    assert new_worthy.predicted and not new_other.predicted


def test_committed_weights_rank_a_factual_sentence_above_small_talk():
    fact, chatter = score_sentences(
        ["Unemployment fell to 3.5% in 2019, the Labor Department said.", "Thank you so much."]
    )
    assert 0.0 <= chatter.score < lexical_model().threshold <= fact.score <= 1.0
    assert "a figure: 3.5%" in fact.reasons
    assert any(r.startswith("attributed to a named source") for r in fact.reasons)


def test_reasons_name_comparisons_and_opinion():
    (scored,) = score_sentences(["I believe taxes will be higher than ever."])
    assert any(r.startswith("a comparison") for r in scored.reasons)
    assert any(r.startswith("opinion or prediction wording") for r in scored.reasons)


def test_numbers_are_folded_into_shapes():
    assert tokens("It rose 60% to $3.5bn in 2019, or 1,600,000 people") == [
        "it", "rose", "<pct>", "to", "<money>", "in", "<year>", "or", "<bignum>", "people",
    ]  # fmt: skip


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_evaluate_prints_metrics_last_and_writes_predictions(tmp_path, capsys):
    data = tmp_path / "eval.jsonl"
    rows = [{"id": f"w{i}", "text": t, "label": 1} for i, t in enumerate(WORTHY)]
    rows += [{"id": f"n{i}", "text": t, "label": 0} for i, t in enumerate(NOT_WORTHY)]
    _write(data, rows)
    predictions = tmp_path / "p.jsonl"
    call_command("evaluate_checkworthiness", data=str(data), predictions_out=str(predictions))
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) == {"f1", "precision", "recall", "ap", "n", "ms_per_sentence"}
    assert result["n"] == len(rows)
    assert result["ap"] > 0.8  # these are easy: figures and attributions against small talk
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert [line["id"] for line in lines] == [r["id"] for r in rows]
    assert all(set(line) == {"id", "score", "predicted"} for line in lines)


def test_train_command_writes_a_loadable_weights_file(tmp_path):
    data = tmp_path / "train.jsonl"
    _write(
        data,
        [{"id": str(i), "text": t, "label": 1} for i, t in enumerate(WORTHY * 2)]
        + [{"id": f"x{i}", "text": t, "label": 0} for i, t in enumerate(NOT_WORTHY * 2)],
    )
    out = tmp_path / "weights.json"
    call_command("train_checkworthiness", data=str(data), out=str(out), epochs=50, folds=2)
    model = LinearModel.load(out)
    assert model.meta["sentences"] == 24
    assert model.weights


def test_a_malformed_file_is_refused_with_its_line(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "1", "text": "x", "label": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad.jsonl:2"):
        call_command("evaluate_checkworthiness", data=str(data))


def test_the_semantic_tier_scores_with_the_embedding():
    from claims.engine import semantic

    if not semantic.available():
        pytest.fail(
            f"the semantic extra is part of the dev install: {semantic.unavailable_reason()}"
        )
    fact, chatter = score_sentences(
        ["Unemployment fell to 3.5% in 2019, the Labor Department said.", "Thank you so much."],
        semantic=True,
    )
    assert chatter.score < 0.5 <= fact.score
    (lexical_fact,) = score_sentences(
        ["Unemployment fell to 3.5% in 2019, the Labor Department said."]
    )
    assert fact.score != pytest.approx(lexical_fact.score)  # the embedding changes the score
