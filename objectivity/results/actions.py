"""Write actions on results: atomic, audited, `by=` the acting user."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core.actions import action
from objectivity.core.auditing import Action, event, record, record_many, snapshot
from objectivity.orgs.models import Municipality, School
from objectivity.orgs.registry import new_login_problem
from objectivity.results import reference as refdata
from objectivity.results.models import (
    Assessment,
    FederalWindow,
    ImportStatus,
    ReferenceVersion,
    ResultImport,
    ScheduleEntry,
)
from objectivity.results.schedules import SCHEDULE_FIELDS, ListReport, import_control_sample, import_schedule

REFERENCE_FIELDS = ("max_total", "cut3", "cut4", "cut5", "columns", "source", "inferred")


def keep_until() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=settings.RESULTS_KEEP_DAYS)


@action
def withdraw_import(*, by, result_import: ResultImport) -> ResultImport:
    """Its rows leave the statistics; its files stay until the retention date."""
    before = {"status": result_import.status}
    result_import.status = ImportStatus.WITHDRAWN
    result_import.withdrawn_at = timezone.now()
    result_import.keep_files_until = keep_until()
    result_import.save(update_fields=["status", "withdrawn_at", "keep_files_until"])
    after = {"status": result_import.status, "keep_files_until": str(result_import.keep_files_until)}
    record(by=by, action=Action.UPDATE, obj=result_import, before=before, after=after, note=_("import withdrawn"))
    return result_import


@action
def add_unknown_schools(*, by, result_import: ResultImport, entries: list[dict]) -> list[School]:
    """Add schools the registry did not know: entries of {login, short_name, municipality}, each checked by the
    registry's own rules (ValueError otherwise: the form shows the reasons before this is reached)."""
    created = []
    for entry in entries:
        municipality: Municipality = entry["municipality"]
        problem = new_login_problem(entry["login"], result_import.region)
        if problem or municipality.region_id != result_import.region_id:
            raise ValueError(problem or "the municipality is not of the import's region")
        school = School.objects.create(
            login=entry["login"],
            municipality=municipality,
            short_name=entry["short_name"],
            full_name=entry.get("full_name") or entry["short_name"],
        )
        record(
            by=by,
            action=Action.CREATE,
            obj=school,
            after=snapshot(school, ("login", "short_name", "full_name", "municipality_id")),
            note=_("added from the import “%(file)s”") % {"file": result_import.original_name},
        )
        created.append(school)
    return created


@action
def save_reference(*, by, assessment: Assessment, values: dict) -> ReferenceVersion:
    """A new version of the reference data; the previous ones stay for the imports that used them.
    Reference data is shared by every region: the audit row is filed where the editor works."""
    current = assessment.reference()
    before = snapshot(current, REFERENCE_FIELDS) if current else None
    version = refdata.add_version(assessment, by=by, **values)
    after = snapshot(version, REFERENCE_FIELDS) | {"version": version.version}
    record(by=by, action=Action.CREATE, obj=version, before=before, after=after, scope=by)
    return version


@action
def import_catalogue(*, by, entries: list[dict], source_name: str) -> refdata.CatalogueReport:
    """Entries as read by reference.read_catalogue (YAML or XLSX). Every work and version the file creates has its
    own audit row with its values (a new version's `before` is the version it supersedes), and one row sums up."""
    keys = {tuple(entry[k] for k in refdata.KEY) for entry in entries}
    before = _catalogue_versions(keys)
    report = refdata.import_entries(entries, by=by)
    audit = _catalogue_events(by, before, _catalogue_versions(keys), source_name)
    audit.append(
        event(
            by=by,
            action=Action.IMPORT,
            object_type="results.ReferenceVersion",
            object_repr=source_name,
            after={"created": report.created, "versions": report.versions, "unchanged": report.unchanged},
            scope=by,
        )
    )
    record_many(audit)
    return report


WORK_FIELDS = ("procedure", "year", "period", "grade", "subject", "form")


def _catalogue_versions(keys: set[tuple]) -> dict[Assessment, list[ReferenceVersion]]:
    """The works with these keys (procedure, year, period, grade, subject) and their versions, oldest first: two
    queries, whatever the number of works."""
    works = Assessment.objects.filter(
        year__in={k[1] for k in keys}, grade__in={k[3] for k in keys}, subject__in={k[4] for k in keys}
    )
    found: dict[Assessment, list[ReferenceVersion]] = {
        w: [] for w in works if tuple(getattr(w, f) for f in refdata.KEY) in keys
    }
    by_pk = {w.pk: w for w in found}
    for version in ReferenceVersion.objects.filter(assessment__in=list(by_pk)).order_by("assessment_id", "version"):
        version.assessment = by_pk[version.assessment_id]
        found[version.assessment].append(version)
    return found


def _catalogue_events(by, before: dict, after: dict, source_name: str) -> list:
    """Audit rows of what the import added: new works, and each new version against the one it supersedes."""
    rows = []
    for work, versions in after.items():
        if work not in before:
            rows.append(
                event(
                    by=by, action=Action.CREATE, obj=work, after=snapshot(work, WORK_FIELDS), note=source_name, scope=by
                )
            )
        known = {v.pk for v in before.get(work, [])}
        previous = None
        for version in versions:
            if version.pk not in known:
                rows.append(
                    event(
                        by=by,
                        action=Action.CREATE,
                        obj=version,
                        before=snapshot(previous, REFERENCE_FIELDS) if previous else None,
                        after=snapshot(version, REFERENCE_FIELDS) | {"version": version.version},
                        note=source_name,
                        scope=by,
                    )
                )
            previous = version
    return rows


@action
def save_schedule_entry(*, by, entry: ScheduleEntry) -> ScheduleEntry:
    before = snapshot(ScheduleEntry.objects.get(pk=entry.pk), SCHEDULE_FIELDS) if entry.pk else None
    entry.save()
    record(
        by=by,
        action=Action.UPDATE if before else Action.CREATE,
        obj=entry,
        before=before,
        after=snapshot(entry, SCHEDULE_FIELDS),
    )
    return entry


@action
def delete_schedule_entry(*, by, entry: ScheduleEntry) -> None:
    before = snapshot(entry, SCHEDULE_FIELDS)
    record(by=by, action=Action.DELETE, obj=entry, before=before)
    entry.delete()


@action
def save_window(*, by, window: FederalWindow) -> FederalWindow:
    fields = ("procedure", "year", "period", "starts", "ends")
    before = snapshot(FederalWindow.objects.get(pk=window.pk), fields) if window.pk else None
    window.save()
    record(
        by=by,
        action=Action.UPDATE if before else Action.CREATE,
        obj=window,
        before=before,
        after=snapshot(window, fields),
        scope=by,
    )
    return window


@action
def import_schedule_file(*, by, table, name: str, region) -> ListReport:
    return import_schedule(table, name, region=region, by=by)


@action
def import_control_file(*, by, table, name: str, region, assessment=None) -> ListReport:
    return import_control_sample(table, name, region=region, by=by, assessment=assessment)
