"""The current pupil rows of a work in a region, assembled from the imports that are in use.

For each school the rows come from the newest import in use that covers it: a school export
overrides the regional export for that school until a newer regional export replaces both.
Parquet files never change, so frames are cached by the ids of the imports they came from; the rows that count
of a work are kept too, with the registry they were joined with, and used again while the registry is the same.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl
from django.db.models import Q

from objectivity.orgs.models import Region, School
from objectivity.results.import_files import absolute
from objectivity.results.models import Assessment, ImportKind, ImportStatus, ResultImport


def imports_in_use(region: Region, assessment: Assessment, *, school_level: bool = False) -> list[ResultImport]:
    """Imports in use of pupil rows, or (school_level) of ОГЭ/ЕГЭ figures per school."""
    active = ResultImport.objects.filter(region=region, assessment=assessment, status=ImportStatus.ACTIVE)
    kind = Q(kind=ImportKind.EXAM_SCHOOLS)
    return list(active.filter(kind if school_level else ~kind).order_by("created_at"))


def current_school_results(region: Region, assessment: Assessment) -> pl.DataFrame:
    """ОГЭ/ЕГЭ figures per school from the newest per-school import in use, with registry ids."""
    imports = imports_in_use(region, assessment, school_level=True)
    if not imports:
        return pl.DataFrame()
    rows = pl.read_parquet(absolute(imports[-1].parquet))
    return rows.join(registry_frame(region), on="school_login", how="left")


def current_pupils(
    region: Region, assessment: Assessment, *, imports: list | None = None, registry: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every stored row in use (valid or not) with `school_id` and `municipality_id` (null for schools
    not in the registry). A caller reading many works passes the imports in use and the registry it has."""
    imports = imports_in_use(region, assessment) if imports is None else imports
    if not imports:
        return pl.DataFrame()
    rows = _combined(tuple(str(i.parquet) for i in imports))
    return rows.join(registry_frame(region) if registry is None else registry, on="school_login", how="left")


def statistics_rows(region: Region, assessment: Assessment) -> pl.DataFrame:
    """Rows that count: valid, present, and of a school in the registry."""
    return counted_rows(region, assessment).rows


@dataclass
class CountedRows:
    """The rows that count of one work (as `statistics_rows` gives them, sorted by municipality and school), the
    registry they were joined with, and what pages derived from these very rows (`derived`: a caller's key to its
    result), kept as long as they are. Shared between requests: read it, never change a frame in place."""

    registry: pl.DataFrame
    rows: pl.DataFrame
    derived: dict[Any, Any] = field(default_factory=dict)
    # (column, value) → (offset, length) of the rows of each municipality and school, contiguous once sorted.
    spans: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    def of(self, column: str, value: int) -> pl.DataFrame:
        """The rows whose `column` ("municipality_id" or "school_id") is `value`: a slice, where a filter read every
        row of the region (three filters of 55,000 rows were ≈ 15 % of a work page with ?school= on a busy machine)."""
        start, length = self.spans.get((column, value), (0, 0))
        return self.rows.slice(start, length)


# The work page joined every pupil row of a work with the region's 1,000 schools and filtered them again at each
# request (≈ 8 ms of its 50): the result is kept per set of imports, and used again while the registry frame is
# equal to the one it was made from (compared whole, so a moved, renamed or new school is never missed).
COUNTED_CACHE_SIZE = 32
_counted: OrderedDict[tuple[str, ...], CountedRows] = OrderedDict()
_counted_lock = threading.Lock()


def counted_rows(region: Region, assessment: Assessment) -> CountedRows:
    """`statistics_rows` with the registry and what was derived from them; kept per process (see CountedRows)."""
    imports = imports_in_use(region, assessment)
    if not imports:
        return CountedRows(pl.DataFrame(), pl.DataFrame())
    registry = registry_frame(region)
    paths = tuple(str(i.parquet) for i in imports)
    with _counted_lock:
        kept = _counted.get(paths)
        if kept is not None and kept.registry.equals(registry):
            _counted.move_to_end(paths)
            return kept
    # Read the files without keeping them in _combined: the rows that count take their place in memory.
    rows = _counting(_combined.__wrapped__(paths).join(registry, on="school_login", how="left"))
    rows = rows.sort("municipality_id", "school_id")  # every column summed is whole numbers: order changes no figure
    counted = CountedRows(registry, rows, spans=_spans(rows))
    with _counted_lock:
        _counted[paths] = counted
        _counted.move_to_end(paths)
        while len(_counted) > COUNTED_CACHE_SIZE:
            _counted.popitem(last=False)
    return counted


def _spans(rows: pl.DataFrame) -> dict[tuple[str, int], tuple[int, int]]:
    """Where the rows of each municipality and each school lie in rows sorted by municipality, then school."""
    places = rows.select("municipality_id", "school_id").with_row_index("at")
    spans = {}
    for column in ("municipality_id", "school_id"):
        runs = places.group_by(column).agg(pl.col("at").min().alias("start"), pl.len().alias("length"))
        spans.update({(column, key): (start, length) for key, start, length in runs.iter_rows()})
    return spans


def _counting(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows that count in statistics: valid, present, and of a school in the registry."""
    if rows.is_empty():
        return rows
    return rows.filter(pl.col("valid") & ~pl.col("absent") & pl.col("school_id").is_not_null())


def rows_of_imports(region: Region, import_ids: list[str]) -> pl.DataFrame:
    """The rows that counted when these imports were the ones in use (a detection run's data versions), as
    statistics_rows gives them; empty when their files are gone (purged after withdrawal)."""
    imports = list(ResultImport.objects.filter(region=region, pk__in=import_ids).order_by("created_at"))
    if not imports or len(imports) != len(set(import_ids)) or not all(absolute(i.parquet).is_file() for i in imports):
        return pl.DataFrame()
    return _counting(current_pupils(region, imports[0].assessment, imports=imports))


@lru_cache(maxsize=32)
def _combined(parquet_paths: tuple[str, ...]) -> pl.DataFrame:
    frames = [
        pl.read_parquet(absolute(path)).with_columns(pl.lit(order, pl.Int32).alias("import_order"))
        for order, path in enumerate(parquet_paths)
    ]
    rows = pl.concat(frames, how="diagonal_relaxed")
    newest = rows.group_by("school_login").agg(pl.col("import_order").max().alias("newest"))
    rows = rows.join(newest, on="school_login").filter(pl.col("import_order") == pl.col("newest"))
    return rows.drop("newest", "import_order")


def registry_frame(region: Region) -> pl.DataFrame:
    """The region's schools: school_login, school_id, municipality_id."""
    # In key order: counted_rows compares the frame whole with the one its kept rows were joined with, so the order
    # must be stable; the model's order (municipality name, short name) also cost a join and a sort of names. Every
    # caller uses the frame by key (a join on school_login), never by position.
    schools = School.objects.filter(municipality__region=region).order_by("pk")
    values = schools.values_list("login", "pk", "municipality_id")
    logins, ids, municipalities = zip(*values, strict=True) if values else ((), (), ())
    return pl.DataFrame(
        {"school_login": list(logins), "school_id": list(ids), "municipality_id": list(municipalities)},
        schema={"school_login": pl.String, "school_id": pl.Int64, "municipality_id": pl.Int64},
    )
