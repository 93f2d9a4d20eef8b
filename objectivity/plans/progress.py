"""How far plans have got: measures by status, accepted (снято с контроля) and overdue, per plan, per section, per
municipality. Overdue is counted in the database from the stored due date and the status, as `Measure.is_overdue`."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from objectivity.plans.models import OPEN_STATUSES, Level, Measure, Plan, Status


@dataclass
class Tally:
    """Measures counted: all, one count per status (a field named as the status's value), and the overdue."""

    total: int = 0
    planned: int = 0
    in_progress: int = 0
    reported: int = 0
    returned: int = 0
    accepted: int = 0
    cancelled: int = 0
    overdue: int = 0

    def of(self, status: Status) -> int:
        return getattr(self, status.value)

    @property
    def counted(self) -> int:
        """Measures that count towards progress: cancelled ones are out of the plan."""
        return self.total - self.cancelled

    @property
    def done_share(self) -> float | None:
        """Accepted (снято с контроля) among the counted measures, in per cent; None when none count."""
        return 100 * self.accepted / self.counted if self.counted else None

    @property
    def done_percent(self) -> int:
        return round(self.done_share or 0)

    def add(self, other: "Tally") -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _counts(today: datetime.date) -> dict:
    return {
        "total": Count("pk"),
        **{status.value: Count("pk", filter=Q(status=status)) for status in Status},
        "overdue": Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
    }


def tally(measures: QuerySet[Measure], today: datetime.date | None = None) -> Tally:
    return Tally(**measures.aggregate(**_counts(today or timezone.localdate())))


def by_plan(plans: QuerySet[Plan], today: datetime.date | None = None) -> dict[int, Tally]:
    rows = (
        Measure.objects.filter(plan__in=plans.values("pk"))
        .values("plan")
        .annotate(**_counts(today or timezone.localdate()))
        .order_by()
    )
    return {row.pop("plan"): Tally(**row) for row in rows}


@dataclass
class SectionProgress:
    number: str
    title: str
    tally: Tally


def by_section(plan: Plan, today: datetime.date | None = None) -> list[SectionProgress]:
    rows = (
        plan.measures.values("section_number", "section_title")
        .annotate(**_counts(today or timezone.localdate()))
        .order_by()
    )
    order: dict[tuple[str, str], int] = {}
    for position, number, title in plan.measures.order_by("position").values_list(
        "position", "section_number", "section_title"
    ):
        order.setdefault((number, title), position)
    sections = []
    for row in rows:
        key = (row.pop("section_number"), row.pop("section_title"))
        sections.append(SectionProgress(key[0], key[1], Tally(**row)))
    return sorted(sections, key=lambda s: order.get((s.number, s.title), 0))


@dataclass
class MunicipalityProgress:
    municipality: Any
    own_plans: int = 0
    school_plans: int = 0
    schools_with_plans: set = field(default_factory=set)
    tally: Tally = field(default_factory=Tally)
    listed: set = field(default_factory=set)  # schools in the year's list of schools with signs

    @property
    def listed_without_plan(self) -> int:
        return len(self.listed - self.schools_with_plans)


def listed_schools(user, school_year: int) -> dict[int, set[int]]:
    """The schools of the list of schools with signs that leads to plans of `school_year` (the list of that year's
    spring, drawn in the summer before), by municipality, as the viewer sees the list."""
    from objectivity.reports import listing

    runs = listing.year_runs(user, school_year)
    if not runs:
        return {}
    found: dict[int, set[int]] = defaultdict(set)
    pairs = listing.listed_findings(user, runs).values_list("school__municipality_id", "school_id").distinct()
    for municipality_id, school_id in pairs.order_by():
        found[municipality_id].add(school_id)
    return dict(found)


def by_municipality(
    plans: QuerySet[Plan],
    today: datetime.date | None = None,
    *,
    tallies: dict[int, Tally] | None = None,
    listed: dict[int, set[int]] | None = None,
) -> list[MunicipalityProgress]:
    """Municipal plans and the plans of the municipality's schools, per municipality (regional plans apart), with the
    listed schools that have no plan yet (`listed`: listed_schools). Reads the plans as id tuples, not as objects: a
    region has a thousand school plans, and a school row is wide."""
    from objectivity.orgs.models import Municipality

    tallies = by_plan(plans, today) if tallies is None else tallies
    rows: dict[int, MunicipalityProgress] = {
        key: MunicipalityProgress(None, listed=set(schools)) for key, schools in (listed or {}).items()
    }
    below = plans.exclude(level=Level.REGION).order_by().values_list("pk", "level", "municipality_id", "school_id")
    for pk, level, municipality_id, school_id in below:
        row = rows.setdefault(municipality_id, MunicipalityProgress(None))
        if level == Level.SCHOOL:
            row.school_plans += 1
            row.schools_with_plans.add(school_id)
        else:
            row.own_plans += 1
        row.tally.add(tallies.get(pk, Tally()))
    municipalities = Municipality.objects.in_bulk(list(rows))
    for key, row in rows.items():
        row.municipality = municipalities[key]
    return sorted(rows.values(), key=lambda r: r.municipality.name)


def totals(
    plans: QuerySet[Plan], today: datetime.date | None = None, *, tallies: dict[int, Tally] | None = None
) -> dict[str, Tally]:
    """One tally per level and one for all."""
    tallies = by_plan(plans, today) if tallies is None else tallies
    result: dict[str, Tally] = defaultdict(Tally)
    for plan_id, level in plans.values_list("pk", "level"):
        found = tallies.get(plan_id, Tally())
        result[level].add(found)
        result["all"].add(found)
    return dict(result)
