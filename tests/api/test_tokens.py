"""API tokens: stored hashed, sent as Bearer, scoped, revocable at once, issued by editors."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from claims.roles import EDITORS
from publishing.models import ApiToken
from publishing.services import api_token_create, api_token_revoke
from tests.api.conftest import client_for, issue_token

REVIEWS = "/api/v1/claim-reviews/"


def test_only_a_digest_of_the_token_is_stored(publisher):
    api_token, token = api_token_create(actor=None, user=publisher, name="Newsroom app")
    row = ApiToken.objects.values().get(pk=api_token.pk)
    assert token.startswith("cdk_") and len(token) > 40
    assert all(token not in str(value) for value in row.values())
    assert token.startswith(row["prefix"]) and len(row["prefix"]) < len(token) / 2
    assert row["scopes"] == "read"


def test_a_valid_bearer_token_authenticates_and_records_use(publisher, review):
    api_token, token = api_token_create(actor=None, user=publisher, name="app")
    response = client_for(token).get(REVIEWS)
    assert response.status_code == 200
    api_token.refresh_from_db()
    assert api_token.last_used_at is not None


@pytest.mark.parametrize(
    "header", ["Bearer cdk_not-a-real-token", "Bearer", "Bearer a b", "Token abc"]
)
def test_bad_credentials_are_refused_with_401(db, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(REVIEWS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revocation_takes_effect_on_the_next_request(publisher, editor, review):
    api_token, token = api_token_create(actor=None, user=publisher, name="app")
    client = client_for(token)
    assert client.get(REVIEWS).status_code == 200
    assert api_token_revoke(actor=editor, api_token=api_token) is True
    assert client.get(REVIEWS).status_code == 401
    assert api_token_revoke(actor=editor, api_token=api_token) is False


def test_a_deactivated_users_token_stops_working(publisher, review):
    client = client_for(issue_token(publisher))
    publisher.is_active = False
    publisher.save()
    assert client.get(REVIEWS).status_code == 401


def test_role_changes_take_effect_on_the_next_request(publisher, review):
    # The token lookup reads the caller's roles with the token: nothing is kept across requests.
    client = client_for(issue_token(publisher))
    assert client.get("/api/v1/claim-reviews/").status_code == 200
    publisher.groups.clear()
    assert client.get("/api/v1/claim-reviews/").status_code == 403
    publisher.groups.add(Group.objects.get(name=EDITORS))
    assert client.get("/api/v1/flags/").status_code == 200


def test_a_superusers_token_acts_as_an_editor(publisher, review):
    publisher.groups.clear()
    publisher.is_superuser = True
    publisher.save()
    assert client_for(issue_token(publisher)).get("/api/v1/flags/").status_code == 200


def test_a_read_token_cannot_submit(publisher):
    client = client_for(issue_token(publisher, scopes=["read"]))
    response = client.post(
        "/api/v1/claims/", {"text": "x", "source_url": "https://e.org/"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": ["This token does not have the “submit” scope."]}


def test_a_submit_only_token_cannot_read(publisher, review):
    client = client_for(issue_token(publisher, scopes=["submit"]))
    assert client.get(REVIEWS).status_code == 403


def test_only_editors_issue_and_revoke_tokens(publisher, checker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_token_create(actor=checker, user=publisher, name="app")
    api_token, _ = api_token_create(actor=None, user=publisher, name="app")
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=publisher, api_token=api_token)


def test_unknown_scopes_are_refused(publisher):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(actor=None, user=publisher, name="app", scopes=["read", "admin"])


def test_command_prints_the_token_alone_on_the_last_line(publisher, review):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", "publisher", "--scopes", "read,submit", stdout=out, stderr=err)
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("cdk_") and " " not in token
    assert ApiToken.objects.get(user=publisher).scopes == "read,submit"
    assert client_for(token).get(REVIEWS).status_code == 200


def test_command_refuses_unknown_users_and_scopes(publisher):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="Scopes"):
        call_command("create_api_token", "publisher", "--scopes", "write", stdout=io.StringIO())


def test_editor_issues_a_token_in_the_admin_and_sees_it_once(editor_client, publisher, review):
    response = editor_client.post(
        reverse("admin:publishing_apitoken_add"),
        {"user": publisher.pk, "name": "Wire service", "scope_choices": ["read"]},
        follow=True,
    )
    assert response.status_code == 200
    api_token = ApiToken.objects.get(user=publisher)
    shown = [str(m) for m in response.context["messages"]]
    token = next(m for m in shown if "cdk_" in m).split("<code>")[1].split("</code>")[0]
    assert token.startswith(api_token.prefix)
    assert client_for(token).get(REVIEWS).status_code == 200
    change = editor_client.get(reverse("admin:publishing_apitoken_change", args=[api_token.pk]))
    assert token not in change.content.decode()


def test_editor_revokes_tokens_with_the_admin_action(editor_client, publisher, review):
    api_token, token = api_token_create(actor=None, user=publisher, name="app")
    response = editor_client.post(
        reverse("admin:publishing_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [api_token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    assert client_for(token).get(REVIEWS).status_code == 401


def test_non_editors_cannot_reach_the_token_admin(client, checker):
    checker.is_staff = True
    checker.save()
    client.force_login(checker)
    response = client.get(reverse("admin:publishing_apitoken_changelist"))
    assert response.status_code == 403


def test_a_session_works_for_staff_but_not_for_publishers(client, checker, publisher, review):
    client.force_login(checker)
    assert client.get(REVIEWS).status_code == 200
    client.logout()
    client.force_login(publisher)
    assert client.get(REVIEWS).status_code == 401
