"""Fixtures of the claims tests."""

from __future__ import annotations

import pytest

from claims import analysis


@pytest.fixture
def fresh_caches():
    """No index mirror nor analysed text left over from another test (or database)."""
    analysis.analysis_caches_clear()
    yield
    analysis.analysis_caches_clear()
