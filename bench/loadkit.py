"""Shared parts of the load benches (`school_list_load.py`, `pages_load.py`): a throw-away DATA_DIR with a
SQLite database, a 1,000-school region and a regional analyst, gunicorn as in production on a loopback port,
a login through the form, closed-loop client phases and an in-process profile of a page.

Every request goes to 127.0.0.1 only; `served()` always stops gunicorn.
"""

import contextlib
import http.client
import http.cookiejar
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USERNAME, PASSWORD = "bench-analyst", "bench-analyst-password-2024"
PHASE_TIME_LIMIT = 120.0


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def server_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATA_DIR=str(data_dir),
        SECRET_KEY="bench-secret-key-" + "y" * 40,
        DEBUG="0",
        HTTPS="0",
        ALLOWED_HOSTS=HOST,
        DJANGO_SETTINGS_MODULE="objectivity.settings",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    env.pop("DATABASE_URL", None)  # always the fresh SQLite database in DATA_DIR
    env.pop("FAST_PASSWORD_HASHER", None)  # production hashing (Argon2) in both processes
    env.pop("TASKS_BACKEND", None)
    return env


def setup_django(env: dict[str, str]) -> None:
    """Configure this process like the server (same DATA_DIR and database), migrate."""
    os.environ.update(env)
    for key in ("DATABASE_URL", "FAST_PASSWORD_HASHER", "TASKS_BACKEND"):
        os.environ.pop(key, None)
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def create_region(schools: int, municipalities: int):
    """Region 22 with `schools` schools in `municipalities` municipalities (fixed seed) and the region_analyst
    USERNAME. Returns (region, analyst, municipality ids)."""
    from objectivity.access.models import Membership, User
    from objectivity.orgs.models import Municipality, Region, School, SchoolType, Settlement

    rnd = random.Random(22)
    region = Region.objects.create(code="22", name="Алтайский край (бенчмарк)")
    munis = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Муниципальный район № {i + 1:02d}") for i in range(municipalities)]
    )
    kinds = [
        (SchoolType.SOSH, "СОШ"),
        (SchoolType.OOSH, "ООШ"),
        (SchoolType.NOSH, "НОШ"),
        (SchoolType.LYCEUM, "Лицей"),
        (SchoolType.GYMNASIUM, "Гимназия"),
    ]
    objs = []
    for i in range(1, schools + 1):
        kind, word = rnd.choices(kinds, weights=[60, 20, 5, 8, 7])[0]
        objs.append(
            School(
                login=f"sch22{i:05d}",
                municipality=munis[i % municipalities],
                full_name=f"Муниципальное бюджетное общеобразовательное учреждение «{word} № {i}»",
                short_name=f"МБОУ «{word} № {i}»",
                school_type=kind,
                settlement=rnd.choice(list(Settlement)),
                is_small=rnd.random() < 0.25,
                is_branch=rnd.random() < 0.1,
                is_advanced=rnd.random() < 0.2,
                pupils_by_grade={str(g): rnd.randrange(0, 120) for g in range(1, 12)},
            )
        )
    School.objects.bulk_create(objs, batch_size=500)
    user = User.objects.create_user(USERNAME, password=PASSWORD, last_name="Бенчмарк")
    Membership.objects.create(user=user, role="region_analyst", level="region", region=region)
    return region, user, [m.pk for m in munis]


def collectstatic() -> None:
    from django.core.management import call_command
    from django.db import connections

    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # gunicorn's workers open their own


def start_gunicorn(env: dict[str, str], port: int, log: Path, workers: int, threads: int) -> subprocess.Popen:
    command = [
        str(PROJECT_DIR / ".venv" / "bin" / "gunicorn"),
        "objectivity.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def wait_for_health(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/health/")
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /health/ in time")


@contextlib.contextmanager
def served(env: dict[str, str], tmp: Path, workers: int, threads: int):
    """gunicorn on a free loopback port for the block; yields (port, process). Stopped, and the tail of its
    error log printed, whatever happens."""
    proc = None
    log = tmp / "gunicorn.log"
    try:
        port = free_port()
        proc = start_gunicorn(env, port, log, workers, threads)
        wait_for_health(port, proc)
        print(f"gunicorn on {HOST}:{port}: {workers} workers x {threads} threads (pid {proc.pid})")
        yield port, proc
    finally:
        if proc is not None:
            stop_gunicorn(proc)
            print(f"gunicorn stopped (exit code {proc.returncode})")
        if log.exists() and log.read_text().strip():
            print("gunicorn log (last lines):\n  " + "\n  ".join(log.read_text().strip().splitlines()[-10:]))


def log_in(port: int) -> str:
    """Log in through the form; returns the Cookie header value for the session."""
    base = f"http://{HOST}:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{base}/login/", data=body, headers={"Referer": f"{base}/login/"})
    with opener.open(request, timeout=10) as response:  # follows the redirect to the start page
        final_url = response.geturl()
        response.read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies or urllib.parse.urlsplit(final_url).path == "/login/":
        raise RuntimeError(f"login failed (ended at {final_url})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


class Client:
    """One keep-alive connection; reconnects once if the server closed it between requests."""

    def __init__(self, port: int, cookie: str):
        self.port, self.headers = port, {"Cookie": cookie, "Accept-Language": "ru"} if cookie else {}
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, int]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, len(body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
            except BaseException:  # a timeout leaves the connection mid-request: never reuse it
                self.close()
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def check_pages(port: int, cookie: str, paths: list[str]) -> int:
    """GET each path once; raises unless every one answers 200. Returns the largest page in bytes."""
    client, largest = Client(port, cookie), 0
    for path in paths:
        status, size = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        largest = max(largest, size)
    client.close()
    return largest


def run_phase(port: int, cookie: str, paths: list[str], clients: int, per_client: int, server_pid: int) -> dict:
    """`clients` threads, each sending `per_client` GETs back to back (closed loop), cycling through paths."""
    samples: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + PHASE_TIME_LIMIT
    start_gate = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        client = Client(port, cookie)
        mine = []
        start_gate.wait()
        for i in range(per_client):
            if time.perf_counter() > deadline:
                break
            path = paths[(index + i) % len(paths)]
            t0 = time.perf_counter()
            try:
                status, _ = client.get(path)
            except (OSError, http.client.HTTPException) as exc:  # counted as an error, the client goes on
                status = -1
                path = f"{path} ({exc.__class__.__name__})"
            mine.append((time.perf_counter() - t0, status, path))
        client.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    server_cpu0, client_cpu0 = cpu_seconds(server_pid), time.process_time()
    start_gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(PHASE_TIME_LIMIT + 35)
    wall = time.perf_counter() - t0
    server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu0, time.process_time() - client_cpu0
    latencies = sorted(s[0] * 1000 for s in samples)
    errors = [s for s in samples if s[1] != 200]

    def pct(p: float) -> float:
        return latencies[max(0, math.ceil(p / 100 * len(latencies)) - 1)] if latencies else float("nan")

    if not server_alive(server_pid):
        raise RuntimeError(f"gunicorn (pid {server_pid}) is gone: something stopped it during the phase")
    return {
        "count": len(samples),
        "planned": clients * per_client,
        "errors": len(errors),
        "error_examples": sorted({f"{s[1]} {s[2]}" for s in errors})[:5],
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": latencies[-1] if latencies else float("nan"),
        "rps": len(samples) / wall if wall else 0.0,
        "wall": wall,
        "server_cpu_ms": 1000 * server_cpu / max(1, len(samples)),
        "client_cpu_ms": 1000 * client_cpu / max(1, len(samples)),
    }


def print_header(clients: int, per_client: int) -> None:
    print(
        f"\n{clients} concurrent clients x {per_client} requests each (closed loop, keep-alive), "
        f"limit {PHASE_TIME_LIMIT:.0f} s per phase;\n"
        "latency in ms; srv/cli CPU = CPU ms per request spent by gunicorn (all processes) / by this client"
    )
    print(
        f"{'phase':<26} {'done':>11} {'errors':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'req/s':>8} "
        f"{'wall s':>7} {'srv CPU':>8} {'cli CPU':>8}"
    )


def print_phase(label: str, r: dict) -> None:
    print(
        f"{label:<26} {r['count']:>5}/{r['planned']:<5} {r['errors']:>6} {r['p50']:8.1f} {r['p95']:8.1f} "
        f"{r['p99']:8.1f} {r['max']:8.1f} {r['rps']:8.1f} {r['wall']:7.1f} {r['server_cpu_ms']:8.1f} "
        f"{r['client_cpu_ms']:8.1f}"
    )
    for example in r["error_examples"]:
        print(f"  error: {example}")


_test_environment: list[bool] = []


def profile_in_process(paths: list[str], rounds: int, label: str = "") -> None:
    """The server-side cost of one request, without the network or queueing: Django's test client + cProfile.
    Also times the template rendering of each response (every Django and Jinja2 template's `render()`)."""
    import cProfile
    import pstats

    from django.template.backends import django as django_templates
    from django.template.backends import jinja2 as jinja2_templates
    from django.test import Client as DjangoClient
    from django.test.utils import setup_test_environment

    from objectivity.access.models import User

    if not _test_environment:  # once per process (several pages may be profiled)
        setup_test_environment()
        _test_environment.append(True)
    client = DjangoClient()
    client.force_login(User.objects.get(username=USERNAME))
    for path in paths:  # warm-up: templates, translations, URL resolver, per-process caches
        assert client.get(path).status_code == 200, path

    render_ms = [0.0]
    # Pages are Django templates; the rows and filter bars of tables are Jinja2 templates rendered before them.
    originals = {cls: cls.render for cls in (django_templates.Template, jinja2_templates.Template)}

    def timed(original_render):
        def timed_render(self, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original_render(self, *args, **kwargs)
            finally:
                render_ms[0] += (time.perf_counter() - t0) * 1000

        return timed_render

    for cls, original in originals.items():
        cls.render = timed(original)  # type: ignore[method-assign]
    plain, rendering = [], []
    try:
        for _ in range(rounds):
            for path in paths:
                render_ms[0] = 0.0
                t0 = time.perf_counter()
                assert client.get(path).status_code == 200, path
                plain.append((time.perf_counter() - t0) * 1000)
                rendering.append(render_ms[0])
    finally:
        for cls, original in originals.items():
            cls.render = original  # type: ignore[method-assign]
    plain.sort()
    rendering.sort()
    print(
        f"\n{label}In-process (Django test client, one request at a time, no profiler): {len(plain)} requests, "
        f"median {plain[len(plain) // 2]:.1f} ms, max {plain[-1]:.1f} ms, of which template rendering "
        f"(Django and Jinja2) median {rendering[len(rendering) // 2]:.1f} ms"
    )
    timings = []
    profiler = cProfile.Profile()
    for _ in range(rounds):
        for path in paths:
            t0 = time.perf_counter()
            profiler.enable()
            response = client.get(path)
            profiler.disable()
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, path
    timings.sort()
    print(
        f"Under cProfile: {len(timings)} requests, median {timings[len(timings) // 2]:.1f} ms, max {timings[-1]:.1f} ms"
    )
    print("Top 25 by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print("Top 15 by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
