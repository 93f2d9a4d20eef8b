"""Bounded load test of the school list page under gunicorn, against the bar "p95 under 150 ms, zero errors".

Run from the project root:

    .venv/bin/python bench/school_list_load.py
    .venv/bin/python bench/school_list_load.py --clients 20 --requests 50 --profile

What it does: a fresh SQLite database in a temp DATA_DIR (migrate), a region with 1,000 schools in
10 municipalities and a region_analyst with a known password, collectstatic, then gunicorn
(4 workers x 1 thread, production settings: DEBUG=0, HTTPS=0) on a free loopback port. It logs in
through the login form, warms up, then runs the same closed-loop load twice: GET /health/ (the
baseline: a near-empty request) and a mix of school list URLs (pages, search, filter, sort).
Every request goes to 127.0.0.1 only. gunicorn is always stopped at the end.

Exit code 0 when the school list has p95 under 150 ms and no errors, 1 otherwise.
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
    Client,
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

P95_BAR_MS = 150.0


def prepare_database(env: dict[str, str], schools: int, municipalities: int) -> list[int]:
    """Migrate, create the region, schools and the analyst; collectstatic. Returns municipality ids."""
    setup_django(env)
    _region, _user, municipality_ids = create_region(schools, municipalities)
    collectstatic()
    return municipality_ids


def school_list_paths(municipality_ids: list[int]) -> list[str]:
    q = urllib.parse.quote("СОШ")
    m = municipality_ids
    return [
        "/orgs/schools/",
        "/orgs/schools/?page=5",
        f"/orgs/schools/?q={q}",
        f"/orgs/schools/?municipality={m[0]}&sort=-short_name",
        f"/orgs/schools/?municipality={m[3]}&sort=login&page=2",
        "/orgs/schools/?sort=-municipality&page=7",
        f"/orgs/schools/?q={q}&sort=type&page=3",
        "/orgs/schools/?sort=settlement&is_small=1",
        f"/orgs/schools/?municipality={m[7]}&sort=-advanced",
        "/orgs/schools/?sort=branch&page=12",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent client threads (default 20)")
    parser.add_argument("--requests", type=int, default=50, help="requests per client and phase (default 50)")
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also cProfile the page in-process after the load")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn log)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="objectivity-bench-load-"))
    try:
        return run(tmp, args)
    finally:
        if args.keep:
            print(f"Kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, args) -> int:
    env = server_env(tmp)
    t0 = time.perf_counter()
    municipality_ids = prepare_database(env, args.schools, args.municipalities)
    print(
        f"Prepared {args.schools} schools in {args.municipalities} municipalities, migrate + collectstatic, "
        f"in {time.perf_counter() - t0:.1f} s (temp dir {tmp})"
    )
    with served(env, tmp, args.workers, args.threads) as (port, proc):
        cookie = log_in(port)
        paths = school_list_paths(municipality_ids)
        status, size = Client(port, cookie).get(paths[0])
        if status != 200:
            raise RuntimeError(f"GET {paths[0]} answered {status}")
        print(f"Logged in as {USERNAME} (region_analyst); {paths[0]} is {size / 1024:.0f} KiB of HTML")

        run_phase(port, cookie, paths, 4, len(paths) * 2, proc.pid)  # warm-up, not reported
        print_header(args.clients, args.requests)
        sequential = run_phase(port, cookie, paths, 1, 100, proc.pid)
        print_phase("school list, 1 client", sequential)
        health = run_phase(port, cookie, ["/health/"], args.clients, args.requests, proc.pid)
        print_phase("baseline /health/", health)
        schools = run_phase(port, cookie, paths, args.clients, args.requests, proc.pid)
        print_phase("school list", schools)

    print(
        f"\nRatio to the baseline: p50 {schools['p50'] / health['p50']:.1f}x, p95 {schools['p95'] / health['p95']:.1f}x, "
        f"throughput {schools['rps'] / health['rps']:.2f}x"
    )
    complete = schools["count"] == schools["planned"]
    ok = schools["p95"] < P95_BAR_MS and schools["errors"] == 0 and complete
    why = []
    if schools["p95"] >= P95_BAR_MS:
        why.append(f"p95 {schools['p95']:.0f} ms")
    if schools["errors"]:
        why.append(f"{schools['errors']} errors")
    if not complete:
        why.append(f"only {schools['count']} of {schools['planned']} requests within {PHASE_TIME_LIMIT:.0f} s")
    print(
        f"{'PASS' if ok else 'FAIL'}: school list p95 under {P95_BAR_MS:.0f} ms with zero errors, "
        f"{args.clients} concurrent clients, {args.schools} schools" + (f" ({'; '.join(why)})" if why else "")
    )
    if args.profile:
        profile_in_process(paths, rounds=5)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
