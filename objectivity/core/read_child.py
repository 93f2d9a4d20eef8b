"""The reading half of objectivity.core.bounded, run as `python -m objectivity.core.read_child`.

It imports nothing of Django and holds nothing worth keeping: a workbook that makes the reader panic, eat all
memory or spin stops this process only. It serves requests one at a time, one JSON line each on stdin
({"source", "target", "keep_empty"}), and answers one line on stdout: "ok" (target holds the first sheet as
Arrow IPC, all text) or "unreadable" (the reader refused the workbook; its text goes to stderr, for the
administrator's log only). A process kept warm saves starting Python and Polars for every file.
"""

import json
import sys

OK, UNREADABLE = "ok", "unreadable"


def read(source: str, target: str, keep_empty: bool) -> str:
    import polars as pl

    try:
        frame = pl.read_excel(
            source, engine="calamine", has_header=False, infer_schema_length=0, drop_empty_rows=not keep_empty
        )
        frame.write_ipc(target)
    except BaseException as exc:  # calamine panics are BaseException (pyo3 PanicException)
        print(f"{type(exc).__name__}: {str(exc)[:500]}", file=sys.stderr, flush=True)
        return UNREADABLE
    return OK


def serve() -> None:
    import polars  # noqa: F401 (loaded before the first request: that is what a warm reader saves)

    for line in sys.stdin:
        request = json.loads(line)
        print(read(request["source"], request["target"], bool(request["keep_empty"])), flush=True)


if __name__ == "__main__":
    serve()
