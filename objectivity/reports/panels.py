"""What the reports app adds to the start pages and the school card (registered in ReportsConfig.ready()): the year's
list for the viewer's scope, signs by work with links to the findings, what is new since the previous login, and the
list's step of the annual cycle."""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.authz.policy import can
from objectivity.authz.roles import RUN_DETECTION, VIEW_FINDINGS
from objectivity.core.cycle import StepState
from objectivity.core.typography import number, ru_date
from objectivity.core.visits import previous_login
from objectivity.reports import listing
from objectivity.reports.apps import VIEW_LIST


def attention_panel(request, _obj=None) -> dict | None:
    """The latest year's list in the viewer's scope: how many schools and by which method, and per work."""
    user = request.user
    if not can(user, VIEW_LIST):
        return None
    years = listing.list_years(user)
    if not years:
        return {"year": None, "can_run": can(user, RUN_DETECTION)}
    year = years[0]
    runs = listing.year_runs(user, year)
    findings = listing.listed_findings(user, runs)
    return {
        "year": year,
        "runs": runs,
        "counts": _counts(findings),
        "works": _works(findings, runs, can(user, VIEW_FINDINGS)),
        "new_runs": _new_runs(request, runs),
        "previous_login": previous_login(request),
        "list_url": reverse("school-list-of-signs") + f"?year={year}",
    }


def _counts(findings) -> dict:
    """Schools by method: a school counts once per method whatever the number of its works."""
    schools = findings.values("school")
    return {
        "schools": schools.distinct().count(),
        "ours": findings.filter(listing.OURS).values("school").distinct().count(),
        "fioco": findings.filter(listing.FIOCO).values("school").distinct().count(),
    }


def _works(findings, runs, can_open_findings: bool) -> list[dict]:
    """Per work: schools with our sign and with a marker of the published method, linked to the work's findings
    (for those who may open them) or to the list filtered by the work."""
    rows = (
        findings.values("assessment", "assessment__grade", "assessment__subject", "run")
        .annotate(ours=Count("pk", filter=listing.OURS), fioco=Count("pk", filter=listing.FIOCO))
        .order_by("assessment__grade", "assessment__subject")
    )
    list_url = reverse("school-list-of-signs")
    return [
        {
            "label": listing.work_label(row["assessment__subject"], row["assessment__grade"]),
            "ours": row["ours"],
            "fioco": row["fioco"],
            "url": reverse("work-findings", args=[row["run"], row["assessment"]])
            if can_open_findings
            else f"{list_url}?work={row['assessment']}",
        }
        for row in rows
    ]


def _new_runs(request, runs) -> list:
    """The year's runs completed since the viewer's previous login (the list they draw is new to the viewer)."""
    since = previous_login(request)
    return [run for run in runs if run.created_at > since] if since else []


def school_card_panel(request, school) -> dict | None:
    """The school card: the school's signs in the lists of the last three years, with links to its evidence."""
    user = request.user
    if not can(user, VIEW_LIST, school):
        return None
    can_open = can(user, VIEW_FINDINGS, school)
    years = []
    for year in listing.list_years(user)[:3]:
        findings = listing.listed_findings(user, listing.year_runs(user, year)).filter(school=school)
        items = [_school_item(f, can_open) for f in findings.select_related("assessment").defer("details")]
        years.append({"year": year, "items": items})
    return {"school": school, "years": years}


def school_attention_panel(request, _obj=None) -> dict | None:
    """A school's start page: its own signs, as on its card (the region's counts mean nothing to one school)."""
    school = next((m.school for m in request.user.active_memberships() if m.level == "school"), None)
    return school_card_panel(request, school) if school is not None else None


def _school_item(finding, can_open: bool) -> dict:
    parts = (
        [_("sign of the combination of layers, risk %(risk)s") % {"risk": finding.risk_text}] if finding.flagged else []
    )
    parts += listing.fioco_fired(finding)
    return {
        "label": listing.test_label(finding),
        "text": "; ".join(parts),
        "url": reverse("school-findings", args=[finding.run_id, finding.school_id]) if can_open else "",
        "report_url": reverse("school-report", args=[finding.school_id, finding.assessment_id]),
    }


def list_step(user, year: int) -> StepState | None:
    """The annual cycle's step «the list is drawn»: done when a completed run of the year exists."""
    if not can(user, VIEW_LIST):
        return None
    runs = listing.year_runs(user, year)
    if not runs:
        return StepState(False, _("no completed detection run of the year"), reverse("school-list-of-signs"))
    count = listing.listed_findings(user, runs).values("school").distinct().count()
    detail = ngettext("%(n)s school, run of %(date)s", "%(n)s schools, run of %(date)s", count) % {
        "n": number(count),
        "date": ru_date(max(run.created_at for run in runs)),
    }
    return StepState(True, detail, reverse("school-list-of-signs") + f"?year={year}")
