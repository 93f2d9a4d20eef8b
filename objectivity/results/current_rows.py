"""The current pupil rows of a work in a region, assembled from the imports that are in use.

For each school the rows come from the newest import in use that covers it: a school export
overrides the regional export for that school until a newer regional export replaces both.
Parquet files never change, so frames are cached by the ids of the imports they came from.
"""

from functools import lru_cache

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
    return _counting(current_pupils(region, assessment))


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
    values = School.objects.filter(municipality__region=region).values_list("login", "pk", "municipality_id")
    logins, ids, municipalities = zip(*values, strict=True) if values else ((), (), ())
    return pl.DataFrame(
        {"school_login": list(logins), "school_id": list(ids), "municipality_id": list(municipalities)},
        schema={"school_login": pl.String, "school_id": pl.Int64, "municipality_id": pl.Int64},
    )
