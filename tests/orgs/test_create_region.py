"""`objectivity create-region`: the first region and its administrator, from the command line, audited.

And what the import commands say on a database that has no region yet.
"""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from objectivity.access.models import User
from objectivity.audit.models import AuditEvent
from objectivity.authz.policy import decide
from objectivity.authz.roles import IMPORT_REGISTRY
from objectivity.orgs.models import Region


def _create(*args, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("create_region", *args, stdout=out)
    return out.getvalue()


def test_creates_the_region_and_its_administrator_with_a_temporary_password(db):
    out = _create("22", "Алтайский край", "--admin", "altai-admin", "--full-name", "Иванова Анна Петровна")
    region = Region.objects.get(code="22")
    admin = User.objects.get(username="altai-admin")
    assert region.name == "Алтайский край"
    assert (admin.last_name, admin.first_name, admin.middle_name) == ("Иванова", "Анна", "Петровна")
    assert admin.must_change_password
    membership = admin.memberships.get()
    assert (membership.role, membership.region) == ("region_admin", region)
    assert decide(admin, IMPORT_REGISTRY, region).allowed
    password = _password_line(out)
    assert _logs_in("altai-admin", password) == admin
    assert out.count(password) == 1, "the password is shown once"
    assert "import-registry" in out and "--region 22" in out
    actions = set(AuditEvent.objects.values_list("object_type", "action"))
    assert {("orgs.Region", "create"), ("access.User", "create"), ("access.Membership", "create")} <= actions
    assert all("create-region" in e.note for e in AuditEvent.objects.filter(object_type="orgs.Region"))


def _logs_in(username: str, password: str):
    """The user authenticate() finds, with the request the login lock-out backend requires."""
    return authenticate(RequestFactory().post("/login/"), username=username, password=password)


def _password_line(out: str) -> str:
    line = next(line for line in out.splitlines() if "(shown once" in line or "показан один раз" in line)
    return line.rsplit(": ", 1)[1].strip()


def test_password_from_standard_input_for_scripts(db, monkeypatch):
    out = _create(
        "22",
        "Алтайский край",
        "--admin",
        "root22",
        "--password-stdin",
        stdin="Длинный-пароль-42\n",
        monkeypatch=monkeypatch,
    )
    admin = User.objects.get(username="root22")
    assert _logs_in("root22", "Длинный-пароль-42") == admin
    assert not admin.must_change_password
    assert "Длинный-пароль-42" not in out


def test_a_weak_password_changes_nothing(db, monkeypatch):
    with pytest.raises(CommandError):
        _create("22", "Алтайский край", "--admin", "root22", "--password-stdin", stdin="123\n", monkeypatch=monkeypatch)
    assert not Region.objects.exists() and not User.objects.exists() and not AuditEvent.objects.exists()


def test_running_it_again_changes_nothing_and_says_so(db):
    _create("22", "Алтайский край", "--admin", "altai-admin")
    events = AuditEvent.objects.count()
    people = User.objects.exclude(username="system")  # the account console changes are recorded for
    password = people.get().password
    out = _create("22", "Алтайский край", "--admin", "altai-admin")
    assert Region.objects.count() == 1 and people.count() == 1
    assert people.get().password == password and AuditEvent.objects.count() == events
    assert "22" in out and "altai-admin" in out
    assert "shown once" not in out and "показан один раз" not in out


@pytest.mark.parametrize("args", [["2", "Край"], ["22", "  "], ["abc", "Край"]])
def test_bad_arguments_are_refused(db, args):
    with pytest.raises(CommandError):
        _create(*args)
    assert not Region.objects.exists()


def test_unknown_acting_user_is_refused(db):
    with pytest.raises(CommandError, match="nobody"):
        _create("22", "Алтайский край", "--by", "nobody")


@pytest.mark.parametrize(
    "command",
    [
        ["import_results", "any.xlsx"],
        ["import_registry", "any.xlsx", "--region", "22"],
        ["detect", "--year", "2021"],
    ],
)
def test_an_empty_database_tells_how_to_start(db, command):
    with pytest.raises(CommandError) as caught:
        call_command(*command)
    message = str(caught.value)
    assert 'objectivity create-region 22 "Алтайский край" --admin LOGIN' in message
    assert "objectivity import-registry REGISTRY.xlsx --region 22" in message
    assert "коды: —" not in message and "codes: —" not in message


def test_import_into_a_region_without_schools_warns_to_load_the_registry(db, tmp_path):
    from tests.results.test_import import REGIONAL

    _create("22", "Алтайский край")
    err = io.StringIO()
    call_command("import_results", str(REGIONAL), "--region", "22", stdout=io.StringIO(), stderr=err)
    assert "objectivity import-registry REGISTRY.xlsx --region 22" in err.getvalue()
