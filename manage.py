#!/usr/bin/env python
"""Django's command-line utility for Claimdesk."""

import os
import sys


def main() -> None:
    # After `make run`, local commands find DEBUG and SECRET_KEY in var/dev.env; skipped whenever
    # the environment sets SECRET_KEY or DEBUG itself, as production does.
    from claimdesk.devenv import dev_env_load
    from claimdesk.env import SettingError, exit_on_bad_settings, exit_with

    try:
        dev_env_load()
    except SettingError as exc:
        exit_with(exc)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")
    from django.core.management import execute_from_command_line

    # A bad environment value stops here with one line naming it (not a traceback).
    exit_on_bad_settings()

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
