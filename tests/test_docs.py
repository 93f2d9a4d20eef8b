"""Docs are checked: every setting is in .env.sample, every command and role is documented."""

import re
from pathlib import Path

from objectivity.authz.roles import ROLES

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted((ROOT / "objectivity").glob("*/management/commands"))


def test_every_environment_variable_is_in_the_sample():
    settings_text = (ROOT / "objectivity" / "settings.py").read_text(encoding="utf-8")
    used = set(re.findall(r'env_(?:str|bool|int|list|path)\("([A-Z_]+)"', settings_text))
    sample = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.sample").read_text(encoding="utf-8"), re.M))
    assert used, "the pattern found no settings"
    assert not used - sample, f"missing from .env.sample: {sorted(used - sample)}"
    assert not sample - used, f".env.sample lists unknown variables: {sorted(sample - used)}"


def test_every_command_is_documented():
    docs = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    commands = [
        p.stem
        for folder in COMMANDS
        for p in folder.glob("*.py")
        if not p.stem.startswith("_") and p.stem != "makemessages"
    ]
    assert "import_results" in commands
    missing = [
        c for c in commands if f"objectivity {c}" not in docs and f"objectivity {c.replace('_', '-')}" not in docs
    ]
    assert not missing, f"commands without documentation in docs/: {missing}"


def test_every_role_is_described_in_the_deployment_guide():
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    missing = [code for code in ROLES if code not in text]
    assert not missing, missing


def test_readme_gives_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    for path in re.findall(r"`(docs/[^`]+)`", text):
        assert (ROOT / path).exists(), f"README points to a missing {path}"
