"""The reading half of objectivity.core.bounded, run as `python -m objectivity.core.read_child IN OUT KEEP_EMPTY`.

It imports nothing of Django and holds nothing worth keeping: a workbook that makes the reader panic, eat all
memory or spin stops this process only. Exit codes: 0 — OUT holds the first sheet as Arrow IPC, all text;
3 — the reader refused the workbook (its text goes to stderr, for the administrator's log only).
"""

import sys

UNREADABLE = 3


def main(source: str, target: str, keep_empty: str) -> int:
    import polars as pl

    try:
        frame = pl.read_excel(
            source, engine="calamine", has_header=False, infer_schema_length=0, drop_empty_rows=keep_empty != "1"
        )
        frame.write_ipc(target)
    except BaseException as exc:  # calamine panics are BaseException (pyo3 PanicException)
        print(f"{type(exc).__name__}: {str(exc)[:500]}", file=sys.stderr)
        return UNREADABLE
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
