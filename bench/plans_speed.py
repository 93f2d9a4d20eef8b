"""Benchmark of issue 14's plans of measures on a 1,000-school region: making the plans, the plans' pages one user at
a time (bar: p95 ≤ 300 ms, as issue 13's pages), `send-reminders` over the whole region (bar: ≤ 60 s) and the
documents of the regional plan and of the ОИВ execution report (bar: ≤ 30 s each).

Run from the project root:

    .venv/bin/python bench/plans_speed.py                 # builds the region (a few minutes), then measures
    .venv/bin/python bench/plans_speed.py --keep          # ... and keeps the temp dir for another run
    .venv/bin/python bench/plans_speed.py --data-dir DIR  # measures a kept dir again (reminders: a later day)
    .venv/bin/python bench/plans_speed.py --quick         # 40 schools, 5 requests a page: a smoke run (CI)

What it does: a fresh SQLite database (production settings) with region 22's 1,000 generator schools in 10
municipalities (`loadkit.create_region`, no results: plans need only the registry), a regional analyst, a municipal
coordinator and a school administrator per school (each with an e-mail address). Then, through
`objectivity.plans.actions`, for the current school year:
  plans       the regional plan (template region-2021-22), a municipal plan per municipality (municipality-2023-24)
              and a school plan (school-2020-21, 9 measures) for every school; executors named on some measures,
              a procedure date on the measure due «не позднее 1 рабочего дня до …» (3 working days ahead, so it falls
              due soon); about 3 execution reports per school (one in 20 with a tiny PDF), some accepted, some
              returned. Timed: measures per second.
  pages       in process through Django's test client, one request at a time (a warm-up round, then `--requests`
              requests a page, cycling over its URLs), p95 against the school list measured before and after in
              the same run; the number of SQL queries of each page's first URL is printed (a query per row shows).
  reminders   `call_command("send_reminders")` twice: the first run e-mails (locmem backend), the second sends
              nothing (idempotent per day).
  documents   in process, best of 2: the regional plan as DOCX, PDF and XLSX; the ОИВ execution report of the
              whole region as DOCX and PDF (the application writes it only as DOCX and PDF; no XLSX exists).
Exit code 0 when every bar holds.
"""

import argparse
import datetime
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import USERNAME, create_region, server_env, setup_django  # noqa: E402
from reports_speed import best_of_two  # noqa: E402
from school_list_load import school_list_paths  # noqa: E402

P95_BAR_MS, DOCUMENT_BAR_S, REMINDERS_BAR_S = 300.0, 30.0, 60.0
COORDINATOR = "bench-coordinator"
SCHOOL_ADMIN = "bench-admin-{login}"
# A one-page PDF small enough to attach to many reports: the evidence check reads the type from «%PDF-».
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# ---- a progress bar --------------------------------------------------------------------------------------------


class Bar:
    """`label [#####.....] done/total  rate/s` on one line of stderr, redrawn at most 10 times a second."""

    def __init__(self, label: str, total: int, unit: str):
        self.label, self.total, self.unit = label, max(total, 1), unit
        self.done, self.start, self.drawn = 0, time.perf_counter(), 0.0
        self.live = sys.stderr.isatty()  # in a log only the final line

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self.live and now - self.drawn >= 0.1:
            self.drawn = now
            self._draw(now)

    def _draw(self, now: float, end: str = "") -> None:
        filled = round(30 * min(self.done, self.total) / self.total)
        rate = self.done / max(now - self.start, 1e-9)
        line = f"\r  {self.label:<28} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {rate:7.1f} /s"
        sys.stderr.write((line if self.live else line.lstrip("\r")) + end)
        sys.stderr.flush()

    def close(self) -> float:
        """Ends the line; returns the seconds since the start."""
        seconds = time.perf_counter() - self.start
        self._draw(time.perf_counter(), "\n")
        return seconds


# ---- the region and its plans ------------------------------------------------------------------------------------


def create_people(region, analyst, municipality_ids: list[int]) -> None:
    """The analyst's address, a coordinator of the first municipality and an administrator per school (no password
    hashing: nobody logs in through the form here)."""
    from objectivity.access.models import Membership, User
    from objectivity.orgs.models import School

    analyst.email = "analyst@bench.invalid"
    analyst.save(update_fields=["email"])
    coordinator = User.objects.create(username=COORDINATOR, email="coordinator@bench.invalid", last_name="Бенчмарк")
    Membership.objects.create(
        user=coordinator, role="municipal_coordinator", level="municipality", municipality_id=municipality_ids[0]
    )
    schools = list(School.objects.order_by("pk"))
    admins = User.objects.bulk_create(
        [
            User(username=SCHOOL_ADMIN.format(login=s.login), email=f"{s.login}@bench.invalid", last_name="Директор")
            for s in schools
        ],
        batch_size=500,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=admin, role="school_admin", level="school", school=school)
            for admin, school in zip(admins, schools, strict=True)
        ],
        batch_size=500,
    )


def make_plans(region, analyst, today: datetime.date) -> dict:
    """Every plan of the region for the school year of `today`; returns what was timed."""
    from objectivity.access.models import User
    from objectivity.core import workdays
    from objectivity.orgs.models import Municipality, School
    from objectivity.plans import actions
    from objectivity.plans.forms import current_school_year
    from objectivity.plans.templates import template

    year = current_school_year(today)
    school_seed, municipal_seed, region_seed = (
        template("school-2020-21"),
        template("municipality-2023-24"),
        template("region-2021-22"),
    )
    schools = list(School.objects.select_related("municipality").order_by("pk"))
    municipalities = list(Municipality.objects.order_by("pk"))
    admins = {u.username: u for u in User.objects.filter(username__startswith="bench-admin-")}
    coordinator = User.objects.get(username=COORDINATOR)
    measures_made = 0

    def create(scope, seed):
        nonlocal measures_made
        rows = actions.measure_rows_of(seed, year)
        measures_made += len(rows)
        return actions.create_plan(
            by=analyst, scope=scope, school_year=year, template_key=seed.key, measures=rows, order=_order(year)
        )

    bar = Bar("plans", 1 + len(municipalities) + len(schools), "plans")
    region_plan = create(region, region_seed)
    bar.step()
    municipal_plans = []
    for municipality in municipalities:
        municipal_plans.append(create(municipality, municipal_seed))
        bar.step()
    school_plans = []
    for school in schools:
        school_plans.append(create(school, school_seed))
        bar.step()
    plan_seconds = bar.close()

    procedure = workdays.add_working_days(today, 3)
    assignments = [(region_plan, m, [analyst]) for n, m in enumerate(_measures(region_plan)) if n % 4 != 3]
    assignments += [(municipal_plans[0], m, [coordinator]) for m in _measures(municipal_plans[0])]
    for plan, school in zip(school_plans, schools, strict=True):
        admin = admins[SCHOOL_ADMIN.format(login=school.login)]
        for measure in _measures(plan):
            if measure.deadline_text.startswith("не позднее") or measure.deadline_text == "октябрь, апрель":
                assignments.append((plan, measure, [admin]))
    bar = Bar("executors", len(assignments), "measures")
    for plan, measure, executors in assignments:
        relative = measure.deadline_text.startswith("не позднее")
        values = {"procedure_date": procedure} if relative else {}
        actions.save_measure(by=analyst, plan=plan, measure=measure, values=values, links={"executors": executors})
        bar.step()
    executor_seconds = bar.close()

    reports = _report_plan(school_plans, schools, admins)
    bar = Bar("execution reports", len(reports), "reports")
    filed = decided = with_file = 0
    for n, (measure, by, decision) in enumerate(reports):
        uploads = [_tiny_pdf()] if n % 20 == 0 else []
        with_file += bool(uploads)
        report = actions.file_report(by=by, measure=measure, comment="Проведено, протокол приложен.", uploads=uploads)
        filed += 1
        if decision is not None:
            reason = "" if decision else "Приложите протокол заседания."
            actions.decide_report(by=analyst, report=report, accept=decision, reason=reason)
            decided += 1
        bar.step()
    report_seconds = bar.close()
    return {
        "year": year,
        "plans": 1 + len(municipal_plans) + len(school_plans),
        "measures": measures_made,
        "plan_seconds": plan_seconds,
        "assignments": len(assignments),
        "executor_seconds": executor_seconds,
        "reports": filed,
        "decisions": decided,
        "with_file": with_file,
        "report_seconds": report_seconds,
    }


def _order(year: int) -> dict:
    return {"order_body": "Приказ", "order_number": "1-о", "order_date": datetime.date(year, 9, 1)}


def _measures(plan) -> list:
    return list(plan.measures.order_by("position"))


def _report_plan(school_plans, schools, admins) -> list[tuple]:
    """(measure, filed by, decision: True accepted / False returned / None pending) — about 3 reports a school:
    1.1 accepted; 1.2 returned in every other school, else accepted; 1.3 pending; 2.2 pending in every fourth."""
    reports = []
    for i, (plan, school) in enumerate(zip(school_plans, schools, strict=True)):
        admin = admins[SCHOOL_ADMIN.format(login=school.login)]
        measures = _measures(plan)
        reports += [(measures[0], admin, True), (measures[1], admin, i % 2 == 1), (measures[2], admin, None)]
        if i % 4 == 0:
            reports.append((measures[5], admin, None))
    return reports


def _tiny_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("протокол.pdf", TINY_PDF, content_type="application/pdf")


def prepare(args) -> dict:
    from django.utils import timezone

    t0 = time.perf_counter()
    region, analyst, municipality_ids = create_region(args.schools, args.municipalities)
    create_people(region, analyst, municipality_ids)
    print(f"Region: {args.schools} schools, {args.municipalities} municipalities in {time.perf_counter() - t0:.1f} s")
    made = make_plans(region, analyst, timezone.localdate())
    print_creation(made)
    return made


def print_creation(made: dict) -> None:
    print(f"\nPlans of {made['year']}/{(made['year'] + 1) % 100:02d} made through objectivity.plans.actions:")
    print(f"  {'step':<44} {'count':>7} {'time':>9} {'per second':>11}")
    rows = [
        (f"plans made from templates ({made['plans']} plans), measures", made["measures"], made["plan_seconds"]),
        ("executors named (save_measure)", made["assignments"], made["executor_seconds"]),
        (f"execution reports filed ({made['decisions']} decided)", made["reports"], made["report_seconds"]),
    ]
    for label, count, seconds in rows:
        print(f"  {label:<44} {count:>7} {seconds:8.1f}s {count / max(seconds, 1e-9):11.1f}")


# ---- pages ---------------------------------------------------------------------------------------------------


def client_for(username: str):
    from django.test import Client

    from objectivity.access.models import User

    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(User.objects.get(username=username))
    return client


def page_cases() -> dict[str, tuple[str, list[str]]]:
    """Page name → (who looks, its URLs)."""
    from django.urls import reverse

    from objectivity.orgs.models import Municipality
    from objectivity.plans.models import Level, Plan

    municipalities = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
    school_plans = list(Plan.objects.filter(level=Level.SCHOOL).order_by("pk").values_list("pk", flat=True))
    region_plan = Plan.objects.get(level=Level.REGION).pk
    step = max(1, len(school_plans) // 10)
    plans = reverse("plan-list")
    return {
        "plan list": (
            USERNAME,
            [
                plans,
                f"{plans}?page=2",
                f"{plans}?level=school",
                f"{plans}?municipality={municipalities[1]}",
                f"{plans}?sort=-owner",
                f"{plans}?sort=done&page=3",
                f"{plans}?level=municipality",
                f"{plans}?q=%D0%A1%D0%9E%D0%A8",  # «СОШ»
            ],
        ),
        "progress, regional analyst": (USERNAME, [reverse("plans-progress")]),
        "progress, municipal coord.": (COORDINATOR, [reverse("plans-progress")]),
        "a school's plan": (USERNAME, [reverse("plan-detail", args=[pk]) for pk in school_plans[::step][:10]]),
        "the regional plan": (USERNAME, [reverse("plan-detail", args=[region_plan])]),
        "my measures (analyst)": (USERNAME, [reverse("plans-mine")]),
        "start page (analyst)": (USERNAME, ["/"]),
    }


def time_page(client, urls: list[str], requests: int) -> list[float]:
    for url in urls:  # warm-up: templates, translations, caches; not reported
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    times = []
    for i in range(requests):
        t0 = time.perf_counter()
        client.get(urls[i % len(urls)])
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def queries_of(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def pages_phase(args) -> bool:
    from django.urls import reverse

    from objectivity.orgs.models import Municipality

    assert reverse("school-list") == "/orgs/schools/", reverse("school-list")
    baseline = school_list_paths(list(Municipality.objects.order_by("pk").values_list("pk", flat=True)))
    cases = page_cases()
    clients = {who: client_for(who) for who in {USERNAME, COORDINATOR}}
    total = (2 + len(cases)) * args.requests
    print(f"\nPages in process (Django test client), one request at a time, {args.requests} requests a page:")
    bar = Bar("pages", total, "requests")
    results: dict[str, tuple[list[float], int]] = {}

    def run(name: str, who: str, urls: list[str]) -> None:
        times = time_page(clients[who], urls, args.requests)
        results[name] = (times, queries_of(clients[who], urls[0]))
        bar.step(args.requests)

    run("school list (baseline)", USERNAME, baseline)
    for name, (who, urls) in cases.items():
        run(name, who, urls)
    run("school list, again", USERNAME, baseline)
    bar.close()
    base = (p95(results["school list (baseline)"][0]) + p95(results["school list, again"][0])) / 2
    print(
        f"\n  {'page':<28} {'median':>8} {'p95':>8} {'× school list':>14} {'queries':>8}  bar p95 ≤ {P95_BAR_MS:.0f} ms"
    )
    ok = True
    for name, (times, queries) in results.items():
        value = p95(times)
        is_baseline = name.startswith("school list")
        good = value <= P95_BAR_MS
        ok &= good or is_baseline
        verdict = "—" if is_baseline else ("pass" if good else "FAIL")
        print(f"  {name:<28} {statistics.median(times):8.1f} {value:8.1f} {value / base:14.2f} {queries:>8}  {verdict}")
    return ok


# ---- reminders and documents -----------------------------------------------------------------------------------


def reminders_phase(today: datetime.date) -> bool:
    from django.core import mail
    from django.core.management import call_command

    from objectivity.plans.models import ReminderSent

    print(f"\nsend-reminders over the whole region, {today:%d.%m.%Y} (bar ≤ {REMINDERS_BAR_S:.0f} s a run):")
    ok = True
    for run in ("first run", "second run"):
        mail.outbox = []
        t0 = time.perf_counter()
        call_command("send_reminders", date=today.isoformat(), stdout=_Null())
        seconds = time.perf_counter() - t0
        letters = len(mail.outbox)
        good = seconds <= REMINDERS_BAR_S and (run == "first run" or letters == 0)
        ok &= good
        print(f"  {run:<12} {seconds:7.2f} s  {letters:>5} letters  {'pass' if good else 'FAIL'}")
    print(f"  reminders recorded for the day: {ReminderSent.objects.filter(day=today).count()}")
    return ok


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def documents_phase(year: int) -> bool:
    from objectivity.access.models import User
    from objectivity.core import documents
    from objectivity.orgs.models import Region
    from objectivity.plans.documents import execution_document, plan_document, plan_xlsx
    from objectivity.plans.models import Level, Plan

    region = Region.objects.get()
    plan = Plan.objects.get(level=Level.REGION)
    analyst = User.objects.get(username=USERNAME)
    cases = {
        "regional plan, DOCX": lambda: documents.render(plan_document(plan), "docx"),
        "regional plan, PDF": lambda: documents.render(plan_document(plan), "pdf"),
        "regional plan, XLSX": lambda: plan_xlsx(plan),
        "ОИВ execution report, DOCX": lambda: documents.render(execution_document(region, year, analyst), "docx"),
        "ОИВ execution report, PDF": lambda: documents.render(execution_document(region, year, analyst), "pdf"),
    }
    print(f"\nDocuments, best of 2 (bar ≤ {DOCUMENT_BAR_S:.0f} s each):")
    ok = True
    for name, make in cases.items():
        seconds, size = best_of_two(make)
        good = seconds <= DOCUMENT_BAR_S
        ok &= good
        print(f"  {name:<28} {seconds:7.2f} s  {size / 1024:8.0f} KiB  {'pass' if good else 'FAIL'}")
    return ok


# ---- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20, help="requests a page, one at a time (default 20)")
    parser.add_argument("--quick", action="store_true", help="40 schools, 10 municipalities, 5 requests a page")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--data-dir", help="a dir kept by --keep: measure again without building")
    args = parser.parse_args()
    if args.quick:
        args.schools, args.municipalities, args.requests = 40, 10, 5
    tmp = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="objectivity-bench-plans-"))
    try:
        env = server_env(tmp)
        env["ALLOWED_HOSTS"] = "127.0.0.1,testserver"  # Django's test client asks for «testserver»
        env["PLAIN_STATIC"] = "1"  # no static files are fetched here: no collectstatic, names as in DEBUG
        (tmp / "static").mkdir(exist_ok=True)  # whitenoise warns when STATIC_ROOT is missing
        setup_django(env)
        from django.utils import timezone

        from objectivity.plans.forms import current_school_year

        today = timezone.localdate()
        if not args.data_dir:
            prepare(args)
        else:  # the day's reminders of the first run are recorded: remind as of a later working day
            from objectivity.core import workdays
            from objectivity.plans.models import ReminderSent

            last = ReminderSent.objects.order_by("-day").values_list("day", flat=True).first()
            today = workdays.add_working_days(max(today, last), 1) if last else today
        ok = pages_phase(args)
        ok &= reminders_phase(today)
        ok &= documents_phase(current_school_year(timezone.localdate()))
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if args.keep or args.data_dir:
            print(f"Kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
