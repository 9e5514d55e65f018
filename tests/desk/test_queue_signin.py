"""Signing in to the queue, and django-axes locking out username + address pairs."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def sign_in(username, password, ip="10.0.0.1"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("queue:login"), {"username": username, "password": password})
    return client, response


def test_a_checker_signs_in_and_lands_on_the_queue(checker):
    client, response = sign_in("checker", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("queue:index")
    assert client.get(reverse("queue:index")).status_code == 200


def test_a_user_without_a_desk_role_signs_in_but_is_refused(outsider):
    client, _ = sign_in("outsider", PASSWORD)
    assert client.get(reverse("queue:index")).status_code == 403


def test_wrong_password_shows_an_error(checker):
    _, response = sign_in("checker", "nope")
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode().lower()


def test_the_login_form_needs_a_csrf_token(checker):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("queue:login"), {"username": "checker", "password": PASSWORD})
    assert response.status_code == 403


def test_repeated_failures_lock_that_name_at_that_address_only(checker, other_checker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("checker", "wrong", ip="10.0.0.1")
    # Even the right password is refused now, from that address...
    _, response = sign_in("checker", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    # ...but a colleague behind the same address is not locked out,
    _, response = sign_in("checker2", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302
    # and the same person from elsewhere still gets in.
    _, response = sign_in("checker", PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302


def lock_out(username, ip="10.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(username, "wrong", ip=ip)


def test_the_lock_out_page_says_who_can_unlock(checker):
    lock_out("checker")
    _, response = sign_in("checker", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert "Who can unlock it now" in page
    assert "Any <strong>editor</strong>" in page
    assert "Axes → Access attempts" in page
    assert "manage.py axes_reset_username checker" in page


def test_an_editor_unlocks_a_checker_from_the_admin(checker, editor):
    from axes.models import AccessAttempt  # type: ignore[import-untyped]

    lock_out("checker")
    assert sign_in("checker", PASSWORD)[1].status_code == 429
    attempt = AccessAttempt.objects.get(username="checker")

    admin = Client()
    admin.force_login(editor)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "checker" in admin.get(changelist).content.decode()
    response = admin.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in("checker", PASSWORD)[1].status_code == 302
