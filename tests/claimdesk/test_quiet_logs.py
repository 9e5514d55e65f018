"""Quiet logs: no banner on every management command, no line per analysed claim at INFO (one
summary per batch instead); warnings and errors still show."""

from __future__ import annotations

import logging

import pytest

from claims.models import AnalysisState
from claims.services import claim_create
from claims.tasks import analyze_claims
from tests.claimdesk.test_settings import PRODUCTION_ENV, run_django
from tests.faults import states, wait_for


def test_a_management_command_prints_no_start_up_banner():
    result = run_django({**PRODUCTION_ENV, "LOG_LEVEL": "INFO"}, "check")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # axes used to log "AXES: BEGIN version …" here, every time
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_celery_per_task_lines_are_turned_down_but_warnings_stay():
    for name in ("celery.app.trace", "celery.worker.strategy"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO)
        assert logger.isEnabledFor(logging.WARNING)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_at_info_logs_a_summary_per_batch_not_a_line_per_claim(editor, workers):
    workers.env["MATCHING_SEMANTIC"] = "off"
    workers.start(loglevel="INFO")
    texts = [
        "The Selva dam holds 2.4 cubic kilometres of water.",
        "The Selva dam was finished in 1974.",
        "The Norrby line carries 12,000 passengers a day.",
    ]
    ids = [claim_create(actor=editor, text=text).pk for text in texts]
    wait_for(
        lambda: states(ids)[AnalysisState.DONE] == len(ids),
        60,
        lambda: f"not analysed: {dict(states(ids))}",
        workers,
    )
    analyze_claims.delay(ids)  # a backlog batch, as the sweep sends it
    wait_for(
        lambda: "analysed 3 of 3 claim(s)" in workers.logs(),
        60,
        lambda: "no summary line for the batch",
        workers,
    )
    log = workers.logs()
    assert "celery@" in log  # the worker's own start-up report is kept: one per process
    assert " succeeded in " not in log
    assert " received" not in log
    assert "AXES: BEGIN" not in log
    assert log.count("analysed 3 of 3 claim(s)") == 1
