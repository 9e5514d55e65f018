"""Shared helpers for the review queue tests (signed-in clients, a claim in the queue)."""

from __future__ import annotations

from django.test import Client

from tests.factories import AppearanceFactory, ClaimFactory


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queued_claim(*, appearances: int = 1, **fields):
    claim = ClaimFactory(**fields)
    for _ in range(appearances):
        AppearanceFactory(claim=claim)
    return claim


VERDICT = {
    "rating": "false",
    "headline": "The shipment figure is ten times too high",
    "explanation": "The company's **annual report** gives a tenth of that.",
}
