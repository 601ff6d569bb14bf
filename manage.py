#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")
    from django.core.management import execute_from_command_line

    from aiblogger.settings import MissingEnvironment

    try:
        execute_from_command_line(sys.argv)
    except MissingEnvironment as error:
        sys.exit(f"{error}")  # one line on stderr, exit status 1


if __name__ == "__main__":
    main()
