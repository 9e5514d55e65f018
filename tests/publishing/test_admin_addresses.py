"""The publisher models' admin pages moved with their app label; old addresses still land."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/reviews/apitoken/", "/admin/publishing/apitoken/"),
        (
            "/admin/reviews/webhookdelivery/?status=failed",
            "/admin/publishing/webhookdelivery/?status=failed",
        ),
        ("/admin/reviews/webhookendpoint/7/change/", "/admin/publishing/webhookendpoint/7/change/"),
    ],
)
def test_old_admin_addresses_redirect_to_the_publishing_app(editor_client, old, new):
    response = editor_client.get(old)
    assert response.status_code == 302
    assert response["Location"] == new


def test_the_moved_pages_open_and_reviews_keeps_its_own(editor_client):
    assert editor_client.get("/admin/publishing/apitoken/").status_code == 200
    assert editor_client.get("/admin/reviews/verdict/").status_code == 200
