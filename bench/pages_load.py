"""Load test of the results and findings pages under gunicorn, against the bar "p95 ≤ 300 ms, zero errors" per page.

Run from the project root:

    .venv/bin/python bench/pages_load.py                        # 20 clients x 50 requests per page
    .venv/bin/python bench/pages_load.py --profile              # plus an in-process profile of the pages over the bar
    .venv/bin/python bench/pages_load.py --profile work-detail  # ... or of the pages named

What it does: the set-up of `school_list_load.py` (a fresh SQLite database in a temp DATA_DIR, region 22 with
1,000 schools in 10 municipalities, a region_analyst, gunicorn with 4 workers x 1 thread, production settings),
plus what the demo loader does for its region: three springs of ВПР (grades 4-8, Russian and maths: 30 works)
generated for these schools in the exact ФИС ОКО layout, written as XLSX and imported through the importer,
then a detection run over the last spring. After a warm-up it runs the same closed-loop load (20 clients x 50
requests, keep-alive) against each page in turn, each phase cycling over 10 URLs of that page:

  results home              /results/ with its filters and sorts
  work-detail               /results/works/<id>/ of 10 works (the region's figures, charts, task table)
  work-detail ?school=      the same with ?school=<id> (region, municipality and school side by side)
  work-findings             /detection/runs/<run>/works/<id>/ with pages, filters, search and sorts
  school-findings           /detection/runs/<run>/schools/<id>/ of 10 schools (every work's evidence)

The baseline is the school list of `school_list_load.py` (its bar is p95 under 150 ms), measured in the same run
before the pages and again after them; the ratios are to the mean of the two. Every request goes to
127.0.0.1 only; gunicorn is always stopped at the end.

Exit code 0 when every page has p95 ≤ 300 ms and no errors, 1 otherwise.
"""

import argparse
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import (  # noqa: E402
    PHASE_TIME_LIMIT,
    USERNAME,
    check_pages,
    collectstatic,
    create_region,
    log_in,
    print_header,
    print_phase,
    profile_in_process,
    run_phase,
    served,
    server_env,
    setup_django,
)
from school_list_load import school_list_paths  # noqa: E402

P95_BAR_MS = 300.0
PAGES = ("results home", "work-detail", "work-detail ?school=", "work-findings", "school-findings")


def prepare(env: dict[str, str], args) -> dict:
    """Migrate; the region, its schools and the analyst; results of three springs imported; a detection run of
    the last one; collectstatic. Returns what the URLs need."""
    setup_django(env)
    from objectivity.detection.models import Finding, Risk
    from objectivity.detection.runs import create_run, execute, works_of_year
    from objectivity.results.demo import demo_years, load_demo_results
    from objectivity.results.models import ResultImport

    t0 = time.perf_counter()
    region, user, _municipalities = create_region(args.schools, args.municipalities)
    year = demo_years()[-1]  # load_demo_results generates the last three springs
    outcomes = load_demo_results(region, by=user, seed=args.seed)
    rejected = [o for o in outcomes if o.status != "imported"]
    if rejected:
        raise RuntimeError(f"import failed: {rejected[0].file}: {rejected[0].message}")
    imported = time.perf_counter()
    run = create_run(region=region, year=year, assessments=list(works_of_year(region, year)), by=user)
    execute(run, lambda percent, message: None)
    collectstatic()
    findings = Finding.objects.filter(run=run)
    rows = sum(i.rows for i in ResultImport.objects.filter(region=region))
    print(
        f"Prepared {args.schools} schools in {args.municipalities} municipalities; {len(outcomes)} results files "
        f"({rows:,} pupil rows) imported in {imported - t0:.0f} s; detection run of {year}: "
        f"{findings.count():,} findings ({findings.filter(flagged=True).count()} with signs, "
        f"{findings.exclude(risk=Risk.LOW).count()} of medium or high risk) in {time.perf_counter() - imported:.0f} s"
    )
    return fixture()


def fixture() -> dict:
    """The ids the URLs need, from the database: the newest detection run, its works, 10 schools."""
    from objectivity.detection.models import DetectionRun, Finding, Risk
    from objectivity.orgs.models import Municipality

    run = DetectionRun.objects.latest("created_at")
    findings = Finding.objects.filter(run=run, status="ok")
    # Evidence pages: the schools of the highest risk first, then others (most schools have all 10 works).
    schools: list[int] = []
    for risk in (Risk.HIGH, Risk.MEDIUM, Risk.LOW):
        for school in findings.filter(risk=risk).order_by("school_id").values_list("school_id", flat=True):
            if school not in schools and len(schools) < 10:
                schools.append(school)
    return {
        "municipalities": list(
            Municipality.objects.filter(region=run.region).order_by("pk").values_list("pk", flat=True)
        ),
        "run": str(run.pk),
        "year": run.year,
        "works": list(run.assessments.order_by("grade", "subject").values_list("pk", flat=True)),
        "schools": schools,
    }


def page_paths(f: dict) -> dict[str, list[str]]:
    """10 URLs per page."""
    run, works, schools, m, year = f["run"], f["works"], f["schools"], f["municipalities"], f["year"]
    from objectivity.analysis import wording

    q = urllib.parse.quote("СОШ")
    high = wording.HIGH  # the code a finding stores (detection.models.Risk.HIGH)
    return {
        "results home": [
            "/results/",
            f"/results/?year={year}",
            "/results/?grade=5",
            "/results/?subject=ma",
            "/results/?sort=grade",
            "/results/?sort=-subject",
            f"/results/?year={year - 1}&sort=grade",
            "/results/?procedure=vpr",
            "/results/?grade=7&subject=ru",
            "/results/?sort=-work",
        ],
        "work-detail": [f"/results/works/{w}/" for w in works[:10]],
        "work-detail ?school=": [f"/results/works/{w}/?school={s}" for w, s in zip(works[:10], schools, strict=False)],
        "work-findings": [
            f"/detection/runs/{run}/works/{works[0]}/",
            f"/detection/runs/{run}/works/{works[1]}/?page=2",
            f"/detection/runs/{run}/works/{works[2]}/?municipality={m[0]}",
            f"/detection/runs/{run}/works/{works[3]}/?sort=-risk",
            f"/detection/runs/{run}/works/{works[4]}/?flagged=1",
            f"/detection/runs/{run}/works/{works[5]}/?q={q}",
            f"/detection/runs/{run}/works/{works[6]}/?risk={high}",
            f"/detection/runs/{run}/works/{works[7]}/?sort=n&page=3",
            f"/detection/runs/{run}/works/{works[8]}/?sort=-login&page=5",
            f"/detection/runs/{run}/works/{works[9]}/?municipality={m[3]}&sort=school",
        ],
        "school-findings": [f"/detection/runs/{run}/schools/{s}/" for s in schools],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent client threads (default 20)")
    parser.add_argument("--requests", type=int, default=50, help="requests per client and phase (default 50)")
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--pages", nargs="+", choices=PAGES, default=list(PAGES), metavar="PAGE", help=f"pages to load: {PAGES}"
    )
    parser.add_argument(
        "--profile",
        nargs="*",
        choices=PAGES,
        metavar="PAGE",
        help="after the load, cProfile in process the pages named, or (none named) the pages over the bar",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, files, gunicorn log)")
    parser.add_argument(
        "--data-dir", type=Path, help="reuse the DATA_DIR an earlier run kept with --keep (skips the set-up, ~4 min)"
    )
    args = parser.parse_args()

    if args.data_dir:
        return run(args.data_dir.resolve(), args)
    tmp = Path(tempfile.mkdtemp(prefix="objectivity-bench-pages-"))
    try:
        return run(tmp, args)
    finally:
        if args.keep:
            print(f"Kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, args) -> int:
    env = server_env(tmp)
    if args.data_dir:
        setup_django(env)
        data = fixture()
    else:
        data = prepare(env, args)
    paths = {name: urls for name, urls in page_paths(data).items() if name in args.pages}
    baseline_paths = school_list_paths(data["municipalities"])
    results: dict[str, dict] = {}
    with served(env, tmp, args.workers, args.threads) as (port, proc):
        cookie = log_in(port)
        for name, urls in {"school list": baseline_paths, **paths}.items():
            size = check_pages(port, cookie, urls)
            print(f"  {name:<22} {len(urls)} URLs answer 200; the largest is {size / 1024:.0f} KiB of HTML")
        print(f"Logged in as {USERNAME} (region_analyst)")
        for urls in (baseline_paths, *paths.values()):  # warm-up (per-worker caches), not reported
            run_phase(port, cookie, urls, 4, len(urls) * 2, proc.pid)

        print_header(args.clients, args.requests)
        health = run_phase(port, cookie, ["/health/"], args.clients, args.requests, proc.pid)
        print_phase("/health/", health)
        before = run_phase(port, cookie, baseline_paths, args.clients, args.requests, proc.pid)
        print_phase("school list (baseline)", before)
        for name, urls in paths.items():
            results[name] = run_phase(port, cookie, urls, args.clients, args.requests, proc.pid)
            print_phase(name, results[name])
        after = run_phase(port, cookie, baseline_paths, args.clients, args.requests, proc.pid)
        print_phase("school list, again", after)

    base = {key: (before[key] + after[key]) / 2 for key in ("p50", "p95", "rps", "server_cpu_ms")}
    drift = abs(after["p95"] - before["p95"]) / max(before["p95"], after["p95"])
    print(
        f"\nBaseline (mean of the two school list phases): p95 {base['p95']:.1f} ms, {base['rps']:.1f} req/s "
        f"(the two differ by {drift:.0%}{'; a noisy run, repeat it' if drift > 0.2 else ''})"
    )
    print(
        f"{'page':<22} {'p95 ms':>8} {'p95 ×':>7} {'req/s ×':>8} {'CPU ×':>7}  verdict (p95 ≤ {P95_BAR_MS:.0f} ms, 0 errors)"
    )
    over = []
    for name, r in results.items():
        why = []
        if r["p95"] > P95_BAR_MS:
            why.append(f"p95 {r['p95']:.0f} ms")
        if r["errors"]:
            why.append(f"{r['errors']} errors")
        if r["count"] != r["planned"]:
            why.append(f"only {r['count']} of {r['planned']} requests within {PHASE_TIME_LIMIT:.0f} s")
        if why:
            over.append(name)
        print(
            f"{name:<22} {r['p95']:8.1f} {r['p95'] / base['p95']:7.2f} {r['rps'] / base['rps']:8.2f} "
            f"{r['server_cpu_ms'] / base['server_cpu_ms']:7.2f}  {'FAIL: ' + '; '.join(why) if why else 'pass'}"
        )
    ok = not over
    print(
        f"{'PASS' if ok else 'FAIL'}: every page p95 ≤ {P95_BAR_MS:.0f} ms with zero errors, {args.clients} "
        f"concurrent clients, {args.schools} schools" + (f" (over the bar: {', '.join(over)})" if over else "")
    )
    if args.profile is not None:
        for name in args.profile or over:
            profile_in_process(page_paths(data)[name], rounds=3, label=f"[{name}] ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
