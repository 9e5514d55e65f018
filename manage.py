#!/usr/bin/env python
"""Django's command-line utility for Claimdesk."""

import os
import sys


def main() -> None:
    # After `make run`, local commands find DEBUG and SECRET_KEY in var/dev.env; skipped whenever
    # the environment sets SECRET_KEY or DEBUG itself, as production does.
    from claimdesk.devenv import dev_env_load

    dev_env_load()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
