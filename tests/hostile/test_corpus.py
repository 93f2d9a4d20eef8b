"""The hostile corpus (scripts/make_hostile_corpus.py) through the command line and the web pages.

Every case is refused, or imported with exactly its named rows excluded: with a Russian message that names the
file (and the row and column where there is one), without a trace, a library's words or a server path. No process
dies: the heaviest kinds run through a real `objectivity` process, which must end by itself with code 0 or 1.
A refused file leaves the database (schools, imports, reference data, schedules, audit rows) and every file
under DATA_DIR as they were; an uploaded copy is removed.

Each case is its own test (`<target>-<kind>-<channel>`); the run ends with a table of every case and channel
(tests/hostile/conftest.py).
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import UploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.core.models import Job
from objectivity.orgs.models import Municipality, School
from objectivity.results.models import Assessment, ControlSample, ReferenceVersion, ResultImport, ScheduleEntry
from objectivity.results.quality import problems_of, pupils_of
from scripts.make_hostile_corpus import EXCLUDED, REFUSED, REGISTRY, RESULTS, SCHEDULE, Case, build
from tests.conftest import build_world
from tests.hostile import summary


def _cases() -> list[Case]:
    with tempfile.TemporaryDirectory(prefix="hostile-ids-") as folder:
        return build(Path(folder))


CASES = _cases()
CLI_TARGETS = (RESULTS, REGISTRY)  # schedules have no command: they are imported on their page only


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    build(folder)
    return folder


# ---- what a message may and must say -----------------------------------------------------------------------

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LEAKS = (
    "Traceback",
    'File "',
    "Exception",
    "Error:",
    "error:",
    "polars",
    "calamine",
    "zipfile",
    "BadZip",
    "rrno",
    "Panic",
    "/tmp",
    "/home/",
    "/work/",
    "site-packages",
    ".py",
)


def _shown_name(case: Case) -> str:
    """The name the system sees: a browser's name as Django sanitises it, or the file's own name."""
    name = html.unescape(case.sent_name).rsplit("/")[-1].rsplit("\\")[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return UploadedFile(name=name).name or ""


def _text_faults(text: str, name: str, case: Case, *, corpus: Path) -> list[str]:
    faults = []
    if not CYRILLIC.search(text.replace(name, "") if name else text):  # the file's name alone says nothing
        faults.append(f"no Russian text in {text[:200]!r}")
    if name and name not in text:
        faults.append(f"the message does not name the file «{name[:60]}»: {text[:300]!r}")
    for leak in (*LEAKS, str(django_settings.DATA_DIR), str(corpus)):
        if leak in text:
            at = text.find(leak)
            faults.append(f"the message shows «{leak}»: …{text[max(0, at - 80) : at + 80]!r}…")
    for fragment in case.mentions:
        if fragment not in text:
            faults.append(f"the message does not say «{fragment}»: {text[-400:]!r}")
    return faults


# ---- what must stay as it was ------------------------------------------------------------------------------


def _db_state() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (School, Municipality, ResultImport, ReferenceVersion, Assessment, ScheduleEntry, ControlSample)
    } | {"AuditEvent": AuditEvent.objects.count()}


def _files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(django_settings.DATA_DIR)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("test.sqlite3") and "logs" not in p.parts
    }


def _data_dir() -> dict[str, str]:
    return _files(django_settings.DATA_DIR)


def _uploads() -> dict[str, str]:
    return _files(django_settings.UPLOAD_DIR)


@dataclass
class Before:
    db: dict[str, int]
    files: dict[str, str]
    uploads: dict[str, str]

    @classmethod
    def now(cls) -> Before:
        return cls(_db_state(), _data_dir(), _uploads())


def _unchanged_faults(before: Before) -> list[str]:
    faults = []
    after = _db_state()
    changed = {k: (before.db[k], v) for k, v in after.items() if before.db[k] != v}
    if changed:
        faults.append(f"the database changed: {changed}")
    files = _data_dir()
    added, removed = sorted(set(files) - set(before.files)), sorted(set(before.files) - set(files))
    modified = sorted(k for k in set(files) & set(before.files) if files[k] != before.files[k])
    if added or removed or modified:
        faults.append(f"DATA_DIR changed: added {added[:5]}, removed {removed[:5]}, modified {modified[:5]}")
    return faults


# ---- one run of a case -------------------------------------------------------------------------------------


@dataclass
class Run:
    case: Case
    channel: str
    corpus: Path
    outcome: str = "?"
    text: str = ""  # everything the user is told
    name: str = ""  # the file's name as the system shows it
    problems: list[tuple[int, str | None, bool, str]] = field(default_factory=list)  # row, column, excluding, msg
    import_id: str = ""
    faults: list[str] = field(default_factory=list)

    def fault(self, what: str) -> None:
        self.faults.append(what)

    def judge(self, before: Before) -> None:
        case = self.case
        if self.outcome not in (REFUSED, EXCLUDED):
            self.fault(f"ended as «{self.outcome}»")
        elif self.outcome != case.expected:
            self.fault(f"expected {case.expected}, got {self.outcome}: {self.text[:300]!r}")
        self.faults += _text_faults(self.text, self.name, case, corpus=self.corpus)
        self._cells()
        if case.expected == REFUSED and self.outcome == REFUSED:
            self.faults += _unchanged_faults(before)
        elif self.channel == "web" and _uploads() != before.uploads:
            self.fault("the uploaded copy was not removed")

    def _cells(self) -> None:
        for cell in self.case.cells:
            hits = [
                p
                for p in self.problems
                if p[0] == cell.row and (cell.column is None or (p[1] or "").lower() == cell.column.lower())
            ]
            if not hits:
                self.fault(f"row {cell.row}, column «{cell.column}» is not named (named: {self._named()})")
            elif not any(p[2] == cell.excluding for p in hits):
                self.fault(f"row {cell.row}, column «{cell.column}»: excluding should be {cell.excluding}")
            elif not all(CYRILLIC.search(p[3]) for p in hits):
                self.fault(f"row {cell.row}: the problem is not described in Russian: {hits[0][3][:100]!r}")
        if self.outcome == EXCLUDED and self.case.target == RESULTS:
            named = {c.row for c in self.case.cells if c.excluding}
            excluded = {p[0] for p in self.problems if p[2]}
            if excluded != named:
                self.fault(f"excluded rows {sorted(excluded)[:10]}, expected {sorted(named)}")

    def _named(self) -> str:
        return ", ".join(f"{p[0]}/{p[1]}" for p in self.problems[:8]) or "none"

    def finish(self) -> None:
        summary.LINES.append(summary.Line(self.case.id, self.case.target, self.channel, self.outcome, self.faults))
        if self.faults:
            pytest.fail(
                f"{self.case.id} through {self.channel} ({self.case.note or self.case.name}), {self.outcome}:\n  - "
                + "\n  - ".join(self.faults)
                + f"\n  The user was told: {self.text[:600]!r}",
                pytrace=False,
            )


def _results_import_problems(run: Run, import_id: str) -> None:
    imported = ResultImport.objects.get(pk=import_id)
    problems = problems_of(imported)
    run.import_id = import_id
    run.problems = [
        (row, column or None, excluding, message)
        for row, column, excluding, message in problems.select("source_row", "column", "excluding", "message").rows()
    ]
    kept = pupils_of(imported).filter(pl.col("valid"))
    strange = kept.filter(
        ~pl.col("school_login").str.contains(r"^[a-z]{2,5}[0-9]{4,8}$")
        | ~pl.col("participant_code").str.contains(r"^[0-9A-Za-zА-Яа-яЁё._/-]{1,40}$")
    )
    if not strange.is_empty():
        run.fault(f"rows kept in statistics with a login or code that is none: {strange.head(3).rows()}")


# ---- the command line --------------------------------------------------------------------------------------


def _cli_args(case: Case, path: Path) -> list[str]:
    command = "import_results" if case.target == RESULTS else "import_registry"
    return [command, str(path), "--region", "22"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.target in CLI_TARGETS and not c.heavy], ids=lambda c: f"{c.id}-cli"
)
def test_cli(case: Case, corpus, world, settings):
    for key, value in case.settings:
        setattr(settings, key, value)
    path = corpus / case.file
    run = Run(case, "cli", corpus, name=path.name)
    before = Before.now()
    out, err = io.StringIO(), io.StringIO()
    error = ""
    try:
        call_command(*_cli_args(case, path), stdout=out, stderr=err)
    except CommandError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 — any other exception is what this test is looking for
        run.outcome = "crashed"
        run.fault(f"{type(exc).__name__}: {str(exc)[:300]}")
    run.text = "\n".join(part for part in (out.getvalue(), err.getvalue(), error) if part)
    if run.outcome != "crashed":
        _cli_outcome(run, bool(error))
    run.judge(before)
    run.finish()


def _cli_outcome(run: Run, failed: bool) -> None:
    case = run.case
    if case.target == RESULTS:
        newest = ResultImport.objects.order_by("-created_at").first()
        if failed:
            run.outcome = REFUSED
        elif newest is not None:
            run.outcome = (
                EXCLUDED if newest.summary.get("excluded") or newest.summary.get("warnings_by_reason") else "imported"
            )
            _results_import_problems(run, str(newest.pk))
        return
    if failed:
        run.outcome = REFUSED
        run.problems = _registry_lines(run.text)
        return
    run.outcome = EXCLUDED if "другого региона" in run.text or "another region" in run.text else "imported"
    run.problems = [(int(m), None, True, run.text) for m in re.findall(r"строка (\d+), ", run.text)]


ROW_LINE = re.compile(r"Строка (\d+), столбец «([^»]*)»: (.*)")


def _registry_lines(text: str) -> list[tuple[int, str | None, bool, str]]:
    return [(int(m.group(1)), m.group(2), True, m.group(3)) for m in ROW_LINE.finditer(text)]


# ---- a real process, for the heaviest kinds ----------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.target in CLI_TARGETS and c.heavy], ids=lambda c: f"{c.id}-process"
)
def test_cli_process(case: Case, corpus, transactional_db):
    build_world()
    path = corpus / case.file
    run = Run(case, "process", corpus, name=path.name)
    before = Before.now()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=_database_url())
    env.update({key: str(value) for key, value in case.settings})
    done = subprocess.run(
        [sys.executable, "-m", "objectivity.cli", *_cli_args(case, path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    run.text = (done.stdout + "\n" + done.stderr).strip()
    if done.returncode not in (0, 1):
        run.outcome = f"exit {done.returncode}"
        run.fault(f"the process ended with code {done.returncode}: {done.stderr[-500:]!r}")
    else:
        _cli_outcome(run, done.returncode == 1)
    run.judge(before)
    run.finish()


# ---- the web pages -----------------------------------------------------------------------------------------


def _post_file(client, url: str, field_name: str, name: str, data: bytes):
    """A multipart POST written by hand, so that the file name goes out exactly as a hostile browser sends it."""
    boundary = "hostile" + uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field_name}"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode("utf-8", "surrogatepass")
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _page_faults(response) -> list[str]:
    if response.status_code >= 400:
        return [f"the page answered {response.status_code}"]
    page = response.content.decode("utf-8", "replace")
    return [f"the page shows «{leak}»" for leak in ("Traceback", str(django_settings.DATA_DIR)) if leak in page]


def _form_errors(response) -> str:
    context = response.context or {}
    form = context.get("form")
    if form is None or not form.errors:
        return ""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.id}-web")
def test_web(case: Case, corpus, world, client, settings, django_capture_on_commit_callbacks):
    for key, value in case.settings:
        setattr(settings, key, value)
    client.force_login(world.users["region_admin"])
    run = Run(case, "web", corpus, name=_shown_name(case))
    data = (corpus / case.file).read_bytes()
    before = Before.now()

    def post(url: str, field_name: str, name: str = case.sent_name, payload: bytes = data, form=None):
        with django_capture_on_commit_callbacks(execute=True):  # the job runs when the request's work commits
            if form is not None:
                return client.post(url, form)
            return _post_file(client, url, field_name, name, payload)

    try:
        {RESULTS: _web_results, REGISTRY: _web_registry, SCHEDULE: _web_schedule}[case.target](run, client, post)
    except Exception as exc:  # noqa: BLE001 — a page that raises is what this test is looking for
        run.outcome = "crashed"
        run.fault(f"{type(exc).__name__}: {str(exc)[:300]}")
    run.judge(before)
    run.finish()


def _job_of(response) -> Job:
    return Job.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def _web_results(run: Run, client, post) -> None:
    response = post(reverse("results-import"), "uploads")
    run.faults += _page_faults(response)
    if response.status_code == 200:
        run.outcome, run.text = (REFUSED, _form_errors(response)) if _form_errors(response) else ("no job", "")
        return
    job = _job_of(response)
    job.refresh_from_db()
    run.faults += _page_faults(client.get(reverse("job-detail", args=[job.pk])))
    if job.status == "failed":
        run.outcome, run.text = REFUSED, job.error
        return
    outcome = (job.result or {}).get("outcomes", [{}])[0]
    run.name = outcome.get("file", run.name)
    if outcome.get("status") == "rejected":
        run.outcome, run.text = REFUSED, f"{outcome['file']}: {outcome['message']}"
        return
    if outcome.get("status") != "imported":
        run.outcome = f"job {job.status}/{outcome.get('status')}"
        return
    summary_ = outcome["summary"]
    run.outcome = EXCLUDED if summary_.get("excluded") or summary_.get("warnings_by_reason") else "imported"
    _results_import_problems(run, outcome["import_id"])
    run.text = f"{outcome['file']}: " + " ".join(p[3] for p in run.problems)
    _check_quality_report(run, client)


def _check_quality_report(run: Run, client) -> None:
    """The data-quality workbook a user downloads lists every named row."""
    response = client.get(reverse("import-quality", args=[run.import_id]))
    run.faults += _page_faults(response)
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = {row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    missing = sorted({c.row for c in run.case.cells} - rows)
    if missing:
        run.fault(f"the data-quality report does not list rows {missing}")


def _web_registry(run: Run, client, post) -> None:
    response = post(reverse("registry-import"), "file")
    run.faults += _page_faults(response)
    if response.status_code == 200:
        run.outcome, run.text = (REFUSED, _form_errors(response)) if _form_errors(response) else ("no job", "")
        return
    if response.url == reverse("registry-columns"):  # an unknown header: the user confirms the guessed columns
        page = client.get(response.url)
        run.faults += _page_faults(page)
        form = page.context["form"]
        answer = {key: form[key].value() or "" for key in form.fields}
        response = post(reverse("registry-columns"), "", form=answer)
        run.faults += _page_faults(response)
        if response.status_code == 200:
            run.outcome, run.text = REFUSED, _form_errors(response) + f" {run.name}"
            return
    job = _job_of(response)
    job.refresh_from_db()
    run.faults += _page_faults(client.get(reverse("job-detail", args=[job.pk])))
    result = job.result or {}
    if job.status == "failed":
        run.outcome, run.text = REFUSED, job.error
    elif result.get("file_error") or result.get("problems"):
        run.outcome = REFUSED
        run.problems = [(p["row"], p["column"], True, p["message"]) for p in result.get("problems", [])]
        run.text = " ".join([result.get("file_error", ""), result.get("file", ""), *(p[3] for p in run.problems)])
    else:
        run.outcome = EXCLUDED if result.get("skipped") else "imported"
        run.problems = [(s["row"], None, True, s["reason"]) for s in result.get("skipped_examples", [])]
        run.text = " ".join([result.get("file", ""), *(p[3] for p in run.problems)])


def _web_schedule(run: Run, client, post) -> None:
    response = post(reverse("schedule-import"), "file")
    run.faults += _page_faults(response)
    if response.status_code == 302:
        run.outcome = "imported"
        return
    report = response.context.get("report")
    if report is not None and report.problems:
        run.outcome = REFUSED
        run.problems = [(p.row, p.column, True, p.message) for p in report.problems]
        run.text = " ".join([report.file, *(p.message for p in report.problems)])
    elif errors := _form_errors(response):
        run.outcome, run.text = REFUSED, errors
    else:
        run.outcome = "no answer"


def test_the_corpus_is_large_varied_and_small():
    kinds = {(c.target, c.name) for c in CASES}
    by_target = {t: sum(1 for c in CASES if c.target == t) for t in (RESULTS, REGISTRY, SCHEDULE)}
    assert len(kinds) >= 90 and all(n >= 15 for n in by_target.values()), by_target
    assert {c.expected for c in CASES} == {REFUSED, EXCLUDED}
