"""The `objectivity` console script: every management command of the project.

Commands that read and write only files (`generate`, `analyze`, `evaluate`) and every `--help` run
with no environment at all: for them the settings take a throw-away secret key, since nothing they do
is signed or stored. Every other command, the web application and the task worker still refuse to
start without `SECRET_KEY` when `DEBUG` is off.
"""

import gettext
import os
import sys
from pathlib import Path

from objectivity import conf


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages; Django's own needs the settings, which load later."""
    return message


LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Commands that touch no database and sign nothing: they run without SECRET_KEY.
NO_DATABASE = frozenset({"generate", "analyze", "evaluate", "help", "version"})
HELP_FLAGS = frozenset({"-h", "--help"})
# The project's own commands in the order a newcomer needs them (Django's own follow, by name).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (gettext_noop("Without a database (files in, files out)"), ("generate", "analyze", "evaluate")),
    (
        gettext_noop("Getting started with a region"),
        (
            "load_demo",
            "create_region",
            "import_registry",
            "import_description",
            "import_catalogue",
            "import_results",
            "detect",
        ),
    ),
    (gettext_noop("Reports and the list"), ("report", "import_federal_list")),
    (gettext_noop("Service"), ("migrate", "db_worker", "runserver", "backup", "restore", "purge_results")),
)
# What each command does, in the words of the list above (the commands' own `help` is the fallback).
DESCRIPTIONS = {
    "generate": gettext_noop(
        "Write a synthetic region: ФИС ОКО workbooks, a registry, reference data and the truth of injected cases"
    ),
    "analyze": gettext_noop("Analyse ФИС ОКО exports straight from files: findings.csv and a self-contained report"),
    "evaluate": gettext_noop("Measure how well detection finds injected cases (AUC, share found, by kind and size)"),
    "load_demo": gettext_noop("Load the demo region with schools, results and a user for every role"),
    "create_region": gettext_noop("Create a region and its administrator (the first step of a real installation)"),
    "import_registry": gettext_noop("Import the registry of schools (CSV or XLSX), with a column-mapping step"),
    "import_catalogue": gettext_noop("Import reference data of works: maxima, levels, scales of marks"),
    "import_description": gettext_noop(
        "Import ФИОКО's official description of a work (ALL.xlsx and its PDF) into the catalogue"
    ),
    "import_results": gettext_noop("Import results files (ФИС ОКО exports, ОГЭ/ЕГЭ); each file all or nothing"),
    "detect": gettext_noop("Run detection over the stored results of a region for a year"),
    "report": gettext_noop("Write the list of schools with signs (XLSX, DOCX, PDF) or the regional analytic report"),
    "import_federal_list": gettext_noop("Import the federal list the region received, to compare it with the findings"),
    "migrate": gettext_noop("Create or update the database tables (after installing or upgrading)"),
    "db_worker": gettext_noop("Run the task worker: imports and detection started on the pages run in it"),
    "runserver": gettext_noop("A web server for trying the system (in production: gunicorn, see docs/deploy.md)"),
    "backup": gettext_noop("Back up the database, Parquet files and uploads into one archive"),
    "restore": gettext_noop("Restore the database, Parquet files and uploads from a backup archive"),
    "purge_results": gettext_noop("Delete the files of replaced or withdrawn imports past their retention date"),
}


def command_name(name: str) -> str:
    """`import_results` → `import-results`, as the console script accepts it."""
    return name.replace("_", "-")


def _canonical(args: list[str]) -> list[str]:
    """`objectivity import-results` runs the import_results command; so does `objectivity help import-results`."""
    args = list(args)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
        if args[0] == "help" and len(args) > 1 and not args[1].startswith("-"):
            args[1] = args[1].replace("-", "_")
    return args


def needs_no_secret(args: list[str]) -> bool:
    """Help, version and the file-only commands: nothing they do is signed or stored."""
    return not args or args[0] in NO_DATABASE or args[0].startswith("-") or bool(HELP_FLAGS & set(args))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "objectivity.settings")
    args = _canonical(argv if argv is not None else sys.argv[1:])
    if needs_no_secret(args):
        conf.allow_without_secret_key()
    elif message := _settings_problem():
        sys.stderr.write(message + "\n")
        sys.exit(1)
    _utility_class()(["objectivity", *args]).execute()


def _settings_problem() -> str | None:
    """A Russian explanation when the settings cannot load (e.g. no SECRET_KEY), else None."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings)
    except ImproperlyConfigured as exc:
        tr = gettext.translation("django", localedir=LOCALE_DIR, languages=["ru"], fallback=True).gettext
        return tr(
            gettext_noop(
                "The settings cannot be loaded: %(error)s. The web application and the commands that use the database "
                "need SECRET_KEY (and DATABASE_URL, DATA_DIR in production): see .env.sample and docs/deploy.md. "
                "To try the system on one machine, run with DEBUG=1. The commands generate, analyze and evaluate "
                "need no settings."
            )
        ) % {"error": exc}
    return None


def _utility_class():
    from django.core.management import ManagementUtility

    class Utility(ManagementUtility):
        """Django's dispatcher, with the project's commands first in `--help` and descriptions in Russian."""

        def fetch_command(self, subcommand):
            from django.utils.translation import gettext as _

            command = super().fetch_command(subcommand)
            if subcommand in DESCRIPTIONS or command.help:  # `main` has turned «import-results» into import_results
                command.help = _(DESCRIPTIONS.get(subcommand, command.help))
            _plain_errors(command)
            return command

        def main_help_text(self, commands_only: bool = False) -> str:
            if commands_only:
                return super().main_help_text(commands_only=True)
            return project_help()

    return Utility


def _plain_errors(command) -> None:
    """A command's refusal as the user should read it: Django writes «CommandError: <message>»; the message alone
    goes to stderr here (still exit code 1; --traceback keeps Django's own behaviour)."""
    from django.core.management.base import CommandError

    execute = command.execute

    def plain(*args, **options):
        try:
            return execute(*args, **options)
        except CommandError as exc:
            if options.get("traceback"):
                raise
            command.stderr.write(str(exc))
            sys.exit(exc.returncode)

    command.execute = plain


def project_help() -> str:
    """`objectivity --help`: the project's commands with their descriptions in Russian, then Django's."""
    from django.core.management import get_commands
    from django.utils.translation import gettext as _

    commands = get_commands()
    lines = [
        _("«Объективность результатов ВПР»: commands"),
        _("Usage: objectivity COMMAND [options]; objectivity COMMAND --help describes a command."),
    ]
    listed: set[str] = set()
    for title, names in GROUPS:
        lines += ["", _(title) + ":"]
        for name in names:
            if name not in commands:
                continue
            listed.add(name)
            lines.append(f"  {command_name(name):<20} {_describe(commands[name], name)}")
    own = sorted(n for n, app in commands.items() if app.startswith("objectivity") and n not in listed)
    own = [n for n in own if n != "makemessages"]  # a developer's tool, listed with Django's
    if own:
        lines += ["", _("Other commands of the system") + ":"]
        lines += [f"  {command_name(n):<20} {_describe(commands[n], n)}" for n in own]
    rest = sorted(n for n in commands if n not in listed and n not in own)
    lines += ["", _("Django's own commands") + ": " + ", ".join(command_name(n) for n in rest)]
    return "\n".join(lines)


def _describe(app: str, name: str) -> str:
    from django.core.management import load_command_class
    from django.utils.translation import gettext as _

    if name in DESCRIPTIONS:
        return _(DESCRIPTIONS[name])
    try:
        text = load_command_class(app, name).help or ""
    except Exception:  # a command that cannot load must not break the list  # noqa: BLE001
        return ""
    return _(text).strip().split("\n")[0]


if __name__ == "__main__":
    main()
