"""The `objectivity` console script: every management command of the project."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "objectivity.settings")
    from django.core.management import execute_from_command_line

    args = list(argv if argv is not None else sys.argv[1:])
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `objectivity import-results` runs the import_results command
    execute_from_command_line(["objectivity", *args])


if __name__ == "__main__":
    main()
