"""`objectivity COMMAND --help` is in Russian: the description and the help of every option the command adds.

Django's own options (--verbosity, --settings, …) are left out: they come from BaseCommand's parser.
"""

import argparse
import re
from pathlib import Path

import pytest
from django.core.management import load_command_class
from django.core.management.base import BaseCommand

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
SKIPPED = {"makemessages"}  # only wraps Django's own


def project_commands() -> list[tuple[str, str]]:
    """(app, name) of every management command of the project."""
    found = []
    for path in sorted((ROOT / "objectivity").glob("*/management/commands/*.py")):
        if not path.stem.startswith("_") and path.stem not in SKIPPED:
            found.append((f"objectivity.{path.parts[-4]}", path.stem))
    return found


def django_dests() -> set[str]:
    return {action.dest for action in BaseCommand().create_parser("objectivity", "base")._actions}


def english_parts(parser: argparse.ArgumentParser, skip: set[str] | None = None) -> list[str]:
    """What a Russian reader would find in English: the description, or options named by their flags
    (`skip`: the options not the command's own; by default those of every Django command)."""
    problems = [] if CYRILLIC.search(parser.description or "") else [f"{parser.prog}: description"]
    skip = django_dests() if skip is None else skip
    for action in parser._actions:
        if action.dest in skip or action.help == argparse.SUPPRESS:
            continue
        if isinstance(action, argparse._SubParsersAction):
            problems += _subcommands(action)
        elif not CYRILLIC.search(action.help or ""):
            problems.append(f"{parser.prog}: {'/'.join(action.option_strings) or action.dest}")
    return problems


def _subcommands(action: argparse._SubParsersAction) -> list[str]:
    """Each subcommand's line in the list, and its own parser (argparse's -h aside, no Django options there)."""
    problems = [f"subcommand {c.dest}" for c in action._choices_actions if not CYRILLIC.search(c.help or "")]
    for sub in action.choices.values():
        sub.description = sub.description or "—"  # a subcommand is described by its line in the list above
        problems += [p for p in english_parts(sub, skip={"help"}) if not p.endswith(": description")]
    return problems


def test_every_project_command_is_found():
    names = {name for _app, name in project_commands()}
    assert {"import_results", "detect", "create_region", "report", "worker"} <= names
    assert "makemessages" not in names


@pytest.mark.parametrize(("app", "name"), project_commands(), ids=lambda v: v.rpartition(".")[2])
def test_command_help_is_in_russian(app, name):
    parser = load_command_class(app, name).create_parser("objectivity", name)
    text = parser.format_help()  # also fails on a bare «%» in a help text
    assert CYRILLIC.search(text)
    assert not english_parts(parser), english_parts(parser)


class _EnglishCommand(BaseCommand):
    help = "Импорт файлов."

    def add_arguments(self, parser):
        parser.add_argument("file", help="файл")
        parser.add_argument("--by", default="", help="login of the user the change is recorded for")


def test_an_english_option_help_is_found():
    parser = _EnglishCommand().create_parser("objectivity", "english")
    assert english_parts(parser) == ["objectivity english: --by"]


def test_an_english_description_and_a_missing_help_are_found():
    command = _EnglishCommand()
    command.help = "Import files."
    parser = command.create_parser("objectivity", "english")
    parser._actions[-2].help = None  # the positional «file»
    assert english_parts(parser) == [
        "objectivity english: description",
        "objectivity english: file",
        "objectivity english: --by",
    ]
