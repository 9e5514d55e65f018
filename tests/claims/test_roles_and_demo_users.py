"""Roles exist as groups with their permissions; demo users are created once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

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
