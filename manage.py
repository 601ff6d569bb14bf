#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    from aiblogger.settings import MissingEnvironment

    try:
        execute_from_command_line(sys.argv)
    except MissingEnvironment as error:
        sys.exit(f"{error}")  # one line on stderr, exit status 1
    except DatabaseError as error:
        # A database that is down, refuses the login or lacks the tables (a checkout whose
        # `migrate` has not run): one line naming the command, as for any other refusal;
        # --traceback (Django's own option) still shows where.
        if "--traceback" in sys.argv:
            raise
        command = sys.argv[1] if len(sys.argv) > 1 else "manage.py"
        reason = " ".join(str(error).split()) or type(error).__name__
        hint = ""
        if "no such table" in reason or "doesn't exist" in reason:
            hint = " (has `manage.py migrate` run on this database?)"
        sys.exit(f"{command}: database error: {reason}{hint}")


if __name__ == "__main__":
    main()
