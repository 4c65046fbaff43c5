"""The `laomo` console command: everything `manage.py` does, with hyphenated names.

`laomo import-roster FILE` and `laomo import_roster FILE` are the same command.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # Before anything is written: the database, the secret key, imports and photos are personal
    # data, readable by this account alone (laomo.core.filemodes).
    os.umask(0o077)
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laomo.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
