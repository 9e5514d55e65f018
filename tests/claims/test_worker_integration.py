"""A real Celery worker on Redis analyses claims saved on PostgreSQL, and the sweep recovers
claims whose message was lost.

Needs DATABASE_URL (PostgreSQL: the worker must reach the test database) and REDIS_URL. CI sets
both; elsewhere the test is skipped with a message saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from claimdesk.celery import app as celery_app
from claims.models import AnalysisState, Claim, Flag
from claims.services import claim_create
from claims.tasks import sweep_analysis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _services_available() -> bool:
    return bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql"


@pytest.fixture
def worker(editor) -> Iterator[subprocess.Popen[str]]:
    if not _services_available():
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the worker integration tests: set DATABASE_URL (postgres) and REDIS_URL"
            )
        pytest.skip("needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); not set outside CI")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "claimdesk.settings",
        "SECRET_KEY": "worker-test-secret",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    celery_app.control.purge()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "claimdesk",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield proc
    finally:
        celery_app.conf.task_always_eager = eager
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_until_analysed(ids: list[int], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = set(Claim.objects.filter(pk__in=ids).values_list("analysis_state", flat=True))
        if states == {AnalysisState.DONE}:
            return
        time.sleep(0.25)
    raise AssertionError(f"claims {ids} not analysed within {timeout}s")


def test_worker_analyses_saved_claims_and_flags_the_repeat(editor, worker):
    first = claim_create(
        actor=editor, text="Huawei's Ascend 910C delivers about 60% of Nvidia H100 inference."
    )
    second = claim_create(
        actor=editor,
        text="Huawei's Ascend 910C reaches roughly 60 percent of the H100's inference.",
    )
    wait_until_analysed([first.pk, second.pk])
    assert Flag.objects.filter(claim_a=first, claim_b=second).exists()


def test_sweep_recovers_a_claim_whose_message_was_lost(editor, worker):
    # Stop the worker from seeing the message: purge the queue right after the commit, as if
    # Redis had lost it. The claim stays pending in the database until the sweep finds it.
    celery_app.conf.task_always_eager = True  # nothing sent while we create it
    claim = claim_create(
        actor=editor, text="Tencent's Hunyuan 3D was downloaded over 1.6 million times."
    )
    celery_app.conf.task_always_eager = False
    Claim.objects.filter(pk=claim.pk).update(
        analysis_state=AnalysisState.PENDING, analysed_engine=""
    )
    assert sweep_analysis(stale_minutes=0) >= 1
    wait_until_analysed([claim.pk])
