"""Every action has exactly one rule, so no service can ask about an action nobody decided."""

from claimdesk.permissions import _RULES, Action, can


def test_every_action_has_a_rule():
    assert set(_RULES) == set(Action)


def test_system_actor_may_do_anything():
    assert all(can(None, action) for action in Action)
