"""Roles exist as groups with their permissions; demo users are created once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.roles import EDITORS, FACT_CHECKERS, PUBLISHERS


def test_role_groups_exist_with_their_permissions(db):
    editors = Group.objects.get(name=EDITORS)
    checkers = Group.objects.get(name=FACT_CHECKERS)
    assert editors.permissions.filter(codename="change_claim").exists()
    assert editors.permissions.filter(codename="change_verdict").exists()
    assert not checkers.permissions.filter(codename="change_claim").exists()
    assert checkers.permissions.filter(codename="add_evidence").exists()
    assert not Group.objects.get(name=PUBLISHERS).permissions.exists()


def test_demo_users_get_the_password_from_the_environment(db, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("create_demo_users")
    editor = User.objects.get(username="editor")
    assert editor.check_password("demo-pass-123")
    assert editor.is_staff and editor.groups.filter(name=EDITORS).exists()
    assert User.objects.get(username="checker").groups.filter(name=FACT_CHECKERS).exists()
    assert "demo-pass-123" not in capsys.readouterr().out
    call_command("create_demo_users")
    assert "exist already" in capsys.readouterr().out


def test_generated_demo_password_is_printed_once(db, monkeypatch, capsys):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("create_demo_users")
    out = capsys.readouterr().out
    password = out.rsplit("Password (shown once): ", 1)[1].strip()
    assert User.objects.get(username="publisher").check_password(password)
    call_command("create_demo_users")
    assert password not in capsys.readouterr().out


@pytest.mark.parametrize("path", ["/admin/", "/"])
def test_anonymous_visitors_are_sent_to_the_login(client, db, path):
    response = client.get(path, follow=True)
    assert response.redirect_chain
    assert "/admin/login/" in response.redirect_chain[-1][0]


def test_a_lost_demo_password_is_reset(db, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "first-demo-pass-41")
    call_command("create_demo_users")
    monkeypatch.delenv("DEMO_PASSWORD")
    call_command("create_demo_users")
    assert "--reset-password" in capsys.readouterr().out  # says how, changes nothing
    assert User.objects.get(username="checker").check_password("first-demo-pass-41")

    call_command("create_demo_users", "--reset-password")
    out = capsys.readouterr().out
    assert "Set a new password for editor, checker, publisher" in out
    password = out.rsplit("Password (shown once): ", 1)[1].strip()
    for username in ("editor", "checker", "publisher"):
        user = User.objects.get(username=username)
        assert user.check_password(password) and not user.check_password("first-demo-pass-41")
    assert User.objects.count() == 3


def test_a_reset_also_unlocks_a_locked_out_demo_user(db, monkeypatch):
    from axes.models import AccessAttempt  # type: ignore[import-untyped]

    monkeypatch.setenv("DEMO_PASSWORD", "first-demo-pass-41")
    call_command("create_demo_users")
    AccessAttempt.objects.create(
        username="checker", ip_address="10.0.0.1", user_agent="t", failures_since_start=9
    )
    monkeypatch.setenv("DEMO_PASSWORD", "second-demo-pass-42")
    call_command("create_demo_users", "--reset-password")
    assert not AccessAttempt.objects.filter(username="checker").exists()
    assert User.objects.get(username="checker").check_password("second-demo-pass-42")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "This password is too short."),
        ("password123", "This password is too common."),
        ("83749261038", "This password is entirely numeric."),
        ("editor12", "The password is too similar to the username."),
    ],
)
def test_a_weak_demo_password_is_refused_in_one_line(db, monkeypatch, password, reason):
    monkeypatch.setenv("DEMO_PASSWORD", password)
    with pytest.raises(CommandError, match=reason) as refused:
        call_command("create_demo_users")
    assert str(refused.value).startswith("DEMO_PASSWORD is refused:")
    assert "\n" not in str(refused.value)
    assert not User.objects.filter(username__in=["editor", "checker", "publisher"]).exists()


def test_editors_may_unlock_sign_in_in_the_admin(db):
    editors = Group.objects.get(name=EDITORS)
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert {"view_accessattempt", "delete_accessattempt"} <= codenames
    checkers = Group.objects.get(name=FACT_CHECKERS)
    assert not checkers.permissions.filter(codename="delete_accessattempt").exists()
