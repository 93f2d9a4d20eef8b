"""Write actions on plans of measures: atomic, audited, `by=` the acting user.

A plan is made with version 1; an amendment (a new approving order) makes a new version that keeps the measures
as they are then. Measures change in place between versions, each change audited. An execution report moves its
measure to «reported»; the controller's decision to «accepted» (снято с контроля) or «returned».
"""

import datetime
import re
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core.actions import action
from objectivity.core.actors import SYSTEM_USERNAME
from objectivity.core.auditing import Action, changed, record, snapshot
from objectivity.plans import due, evidence
from objectivity.plans.models import (
    CLOSED_STATUSES,
    DEFAULT_TITLE,
    EvidenceFile,
    ExecutionReport,
    Level,
    Measure,
    Plan,
    PlanVersion,
    Status,
)
from objectivity.plans.templates import Template

# What a measure holds in a version's copy and in the audit log (the links are logged as ids).
MEASURE_FIELDS = (
    "section_number",
    "section_title",
    "number",
    "title",
    "deadline_text",
    "procedure_date",
    "responsible",
    "participants",
    "result",
    "report_form",
)
MEASURE_LINKS = ("executors", "bodies", "schools", "assessments")
PLAN_FIELDS = ("level", "region_id", "municipality_id", "school_id", "school_year", "title", "template_key")
VERSION_FIELDS = ("number", "order_number", "order_date", "order_body", "changes")


def measure_rows_of(template: Template, school_year: int | None = None) -> list[dict]:
    """A template's measures as rows `create_plan` takes. For a plan of another school year the years its deadlines
    name move with it («30.11.2021» in the 2021/22 template is «30.11.2026» in a 2026/27 plan): a template's dates are
    its year's, and a new plan would otherwise start with every dated measure overdue. Titles keep their words."""
    titles = {section.number: section.title for section in template.sections}
    shift = school_year - template.school_year if school_year and template.school_year else 0
    return [
        {
            "section_number": m.section,
            "section_title": titles.get(m.section, ""),
            "number": m.number,
            "title": m.title,
            "deadline_text": shift_years(m.deadline, shift),
            "responsible": m.responsible,
            "participants": m.participants,
            "result": m.result,
        }
        for m in template.measures
    ]


_YEAR = re.compile(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)")


def shift_years(text: str, years: int) -> str:
    """`text` with every four-digit year moved by `years`."""
    if not years:
        return text
    return _YEAR.sub(lambda match: str(int(match.group(1)) + years), text)


@action
def create_plan(
    *,
    by,
    scope,
    school_year: int,
    title: str = "",
    template_key: str = "",
    measures: Sequence[dict] = (),
    order: dict | None = None,
) -> Plan:
    """A plan of `scope` (a region, municipality or school) with its measures (rows of MEASURE_FIELDS) and version 1
    (`order`: order_number, order_date, order_body)."""
    plan = Plan(school_year=school_year, title=title or DEFAULT_TITLE, template_key=template_key, created_by=by)
    place_plan(plan, scope)
    existing = same_plan(plan)
    if existing is not None:
        raise ValidationError(
            _("%(owner)s already has a plan for %(year)s: amend it (a new version) instead of making a second one.")
            % {"owner": existing.owner_label, "year": existing.school_year_label}
        )
    plan.full_clean()
    plan.save()
    for position, row in enumerate(measures, start=1):
        _new_measure(plan, row, position)
    version = _new_version(plan, by=by, number=1, order=order or {}, changes="")
    record(
        by=by,
        action=Action.CREATE,
        obj=plan,
        after={**snapshot(plan, PLAN_FIELDS), "measures": len(measures), **snapshot(version, VERSION_FIELDS)},
    )
    return plan


def same_plan(plan: Plan) -> Plan | None:
    """The plan of the same region, municipality or school for the same school year, if there is one: one plan a
    year per owner, changed by versions (two would split reports and reminders between them)."""
    return Plan.objects.filter(
        level=plan.level,
        region=plan.region_id,
        municipality=plan.municipality_id,
        school=plan.school_id,
        school_year=plan.school_year,
    ).first()


def place_plan(plan: Plan, scope) -> None:
    from objectivity.orgs.models import Municipality, Region, School

    if isinstance(scope, School):
        plan.level, plan.school, plan.municipality = Level.SCHOOL, scope, scope.municipality
        plan.region_id = scope.municipality.region_id
    elif isinstance(scope, Municipality):
        plan.level, plan.municipality, plan.region_id = Level.MUNICIPALITY, scope, scope.region_id
    elif isinstance(scope, Region):
        plan.level, plan.region = Level.REGION, scope
    else:
        raise TypeError(f"a plan belongs to a region, a municipality or a school, not {scope!r}")


def _new_measure(plan: Plan, row: dict, position: int) -> Measure:
    values = {key: row.get(key) or ("" if key != "procedure_date" else None) for key in MEASURE_FIELDS}
    measure = Measure(plan=plan, position=position, **values)
    measure.full_clean(exclude=["plan"])
    measure.save()
    due.refresh_due(measure)
    return measure


def _measures_copy(plan: Plan) -> list[dict]:
    return [snapshot(m, MEASURE_FIELDS) | {"status": m.status} for m in plan.measures.order_by("position", "pk")]


def unapproved_changes(plan: Plan, version: PlanVersion | None) -> bool:
    """Do the measures differ from the copy the version approved (their words, not their statuses)?"""
    if version is None:
        return False
    approved = [{key: row.get(key) for key in MEASURE_FIELDS} for row in version.measures]
    now = [{key: row.get(key) for key in MEASURE_FIELDS} for row in _measures_copy(plan)]
    return approved != now


def _new_version(plan: Plan, *, by, number: int, order: dict, changes: str) -> PlanVersion:
    version = PlanVersion(
        plan=plan,
        number=number,
        order_number=order.get("order_number") or "",
        order_date=order.get("order_date"),
        order_body=order.get("order_body") or "",
        changes=changes,
        measures=_measures_copy(plan),
        created_by=by,
    )
    version.full_clean(exclude=["plan"])
    version.save()
    return version


@action
def amend_plan(*, by, plan: Plan, order: dict, changes: str, title: str | None = None) -> PlanVersion:
    """A new version approved by `order`: the measures as they are now, with what changed in words."""
    before = snapshot(plan, ("title",))
    if title is not None and title != plan.title:
        plan.title = title
        plan.save(update_fields=["title"])
    last = plan.versions.order_by("-number").first()
    version = _new_version(plan, by=by, number=(last.number if last else 0) + 1, order=order, changes=changes)
    b, a = changed(before, snapshot(plan, ("title",)))
    record(by=by, action=Action.UPDATE, obj=plan, before=b or None, after={**a, **snapshot(version, VERSION_FIELDS)})
    return version


@action
def update_plan_order(*, by, plan: Plan, order: dict) -> PlanVersion:
    """Fill in the approving order of the current version (a plan is often drafted before the order is signed)."""
    version = plan.current_version()
    if version is None:
        raise ValidationError(_("The plan has no version."))
    before = snapshot(version, VERSION_FIELDS)
    version.order_number = order.get("order_number") or ""
    version.order_date = order.get("order_date")
    version.order_body = order.get("order_body") or ""
    version.full_clean(exclude=["plan"])
    version.save()
    b, a = changed(before, snapshot(version, VERSION_FIELDS))
    if a:
        record(by=by, action=Action.UPDATE, obj=version, before=b, after=a)
    return version


def _links_of(measure: Measure) -> dict:
    return {name: sorted(getattr(measure, name).values_list("pk", flat=True)) for name in MEASURE_LINKS}


@action
def save_measure(*, by, plan: Plan, measure: Measure | None, values: dict, links: dict[str, Iterable]) -> Measure:
    """Create (measure None) or change a measure: `values` of MEASURE_FIELDS, `links` of MEASURE_LINKS (objects)."""
    created = measure is None
    if measure is None:
        last = plan.measures.order_by("-position").values_list("position", flat=True).first() or 0
        measure = Measure(plan=plan, position=last + 1)
    before = {} if created else snapshot(measure, MEASURE_FIELDS) | _links_of(measure)
    for key in MEASURE_FIELDS:
        if key in values:
            setattr(measure, key, values[key] if values[key] is not None or key == "procedure_date" else "")
    measure.full_clean(exclude=["plan"])
    measure.save()
    for name, objects in links.items():
        getattr(measure, name).set(list(objects))
    due.refresh_due(measure)
    after = snapshot(measure, MEASURE_FIELDS) | _links_of(measure)
    if created:
        record(by=by, action=Action.CREATE, obj=measure, after=after)
    else:
        b, a = changed(before, after)
        if a:
            record(by=by, action=Action.UPDATE, obj=measure, before=b, after=a)
    return measure


@action
def delete_measure(*, by, measure: Measure) -> None:
    """Remove a measure entered by mistake; one with reports is cancelled instead (its history stays)."""
    if measure.reports.exists():
        raise ValidationError(_("The measure has execution reports: cancel it instead of deleting it."))
    record(by=by, action=Action.DELETE, obj=measure, before=snapshot(measure, MEASURE_FIELDS))
    measure.delete()


def _set_status(measure: Measure, status: str, *, by, note: str = "", extra: dict | None = None) -> None:
    before = {"status": measure.status}
    measure.status = status
    measure.save(update_fields=["status", "cancel_reason", "updated_at"])
    due.refresh_due(measure)
    record(
        by=by, action=Action.UPDATE, obj=measure, before=before, after={"status": status, **(extra or {})}, note=note
    )


@action
def start_measure(*, by, measure: Measure) -> Measure:
    if measure.status != Status.PLANNED:
        raise ValidationError(_("Only a planned measure can be started."))
    _set_status(measure, Status.IN_PROGRESS, by=by)
    return measure


@action
def cancel_measure(*, by, measure: Measure, reason: str) -> Measure:
    if measure.status in CLOSED_STATUSES:
        raise ValidationError(_("The measure is already closed."))
    if not reason.strip():
        raise ValidationError(_("Say why the measure is cancelled."))
    measure.cancel_reason = reason.strip()
    _set_status(measure, Status.CANCELLED, by=by, extra={"cancel_reason": measure.cancel_reason})
    return measure


@action
def file_report(*, by, measure: Measure, comment: str, uploads: Sequence = ()) -> ExecutionReport:
    """«Отчёт об исполнении» with its evidence files (each checked by content and size before anything is kept)."""
    if measure.status in CLOSED_STATUSES or measure.status == Status.REPORTED:
        raise ValidationError(_("A report can be filed on a measure that is planned, in progress or returned."))
    if not comment.strip():
        raise ValidationError(_("Write what was done."))
    checked = [evidence.check_upload(upload) for upload in uploads]
    report = ExecutionReport.objects.create(measure=measure, comment=comment.strip(), filed_by=by)
    keep = evidence.keep_until()
    files = [
        EvidenceFile.objects.create(
            report=report,
            name=upload.name[:200],
            path=evidence.store(upload),
            kind=c.kind,
            size=c.size,
            sha256=c.sha256,
            keep_until=keep,
        )
        for upload, c in zip(uploads, checked, strict=True)
    ]
    record(
        by=by,
        action=Action.CREATE,
        obj=report,
        after={"comment": report.comment, "files": [f.name for f in files]},
    )
    _set_status(measure, Status.REPORTED, by=by)
    return report


@action
def decide_report(*, by, report: ExecutionReport, accept: bool, reason: str = "") -> ExecutionReport:
    """Accept (снять с контроля) or return the pending report; a return says why. Nobody decides on a report they
    filed (the system account aside: it loads the demo and files for operators of the command line)."""
    if report.decision != ExecutionReport.Decision.PENDING:
        raise ValidationError(_("A decision on this report has already been made."))
    if not accept and not reason.strip():
        raise ValidationError(_("Say why the report is returned."))
    if report.filed_by_id is not None and report.filed_by_id == by.pk and by.username != SYSTEM_USERNAME:
        raise ValidationError(_("A report is decided on by another controller of the plan, not by who filed it."))
    report.decision = ExecutionReport.Decision.ACCEPTED if accept else ExecutionReport.Decision.RETURNED
    report.decision_reason = reason.strip()
    report.decided_by, report.decided_at = by, timezone.now()
    report.save()
    record(
        by=by,
        action=Action.UPDATE,
        obj=report,
        before={"decision": ExecutionReport.Decision.PENDING},
        after={"decision": report.decision, "decision_reason": report.decision_reason},
    )
    _set_status(report.measure, Status.ACCEPTED if accept else Status.RETURNED, by=by)
    return report


@action
def purge_expired_evidence(*, by, today: datetime.date | None = None) -> int:
    """Remove evidence files whose retention has ended (rows and files); the count removed. Run daily by cron, `by`
    the system account."""
    today = today or timezone.localdate()
    expired = list(EvidenceFile.objects.filter(keep_until__lt=today).select_related("report__measure__plan"))
    for item in expired:
        record(
            by=by,
            action=Action.DELETE,
            obj=item,
            scope=item.report.measure.plan,
            before={"name": item.name, "keep_until": str(item.keep_until)},
            note="retention period ended",
        )
        evidence.absolute(item.path).unlink(missing_ok=True)
    EvidenceFile.objects.filter(pk__in=[f.pk for f in expired]).delete()
    return len(expired)
