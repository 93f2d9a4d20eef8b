"""Pages of detection: runs, the findings of a work, a school's evidence, the thresholds of a year.

Signs are shown in the words of GLOSSARY.md: no ranking, default order by municipality and name.
"""

from dataclasses import replace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from objectivity.analysis import wording
from objectivity.authz.policy import decide, region_where, require
from objectivity.authz.roles import EDIT_THRESHOLDS, RUN_DETECTION, VIEW_FINDINGS
from objectivity.core import jobs
from objectivity.core.params import year_arg
from objectivity.core.tables import Column, TableView, attr_link, pk_link
from objectivity.detection.actions import save_thresholds
from objectivity.detection.evidence_page import evidence_blocks
from objectivity.detection.forms import RunForm, ThresholdsForm
from objectivity.detection.jobs import DETECTION_RUN
from objectivity.detection.models import DetectionRun, DetectionSettings, Finding, Risk
from objectivity.detection.runs import create_run
from objectivity.detection.thresholds import current_settings, run_parameter_rows, threshold_rows
from objectivity.orgs.models import Municipality, School
from objectivity.results import browse

SMALL_CELL_NOTE = _l("fewer than 5 participants: shown only to the school itself")


class RunListView(TableView):
    permission = VIEW_FINDINGS
    title = _l("Signs of non-objective results")
    export_name = "detection-runs"
    template_name = "detection/run_list.html"
    default_order = ("-created_at",)
    columns = [
        Column(
            "created_at",
            _l("Started"),
            lambda r: timezone.localtime(r.created_at).strftime("%d.%m.%Y %H:%M"),
            "created_at",
            link=pk_link("run-detail"),
        ),
        Column("year", _l("Year"), lambda r: r.year, "year", numeric=True),
        Column("works", _l("Works"), lambda r: len(r.summary.get("works", [])), None, numeric=True),
        Column("index", _l("Level of objectivity"), lambda r: r.summary.get("index"), None, numeric=True),
        Column("settings", _l("Thresholds, version"), lambda r: r.thresholds.version, None, numeric=True),
        Column("status", _l("Status"), lambda r: r.get_status_display(), "status"),
    ]

    def base_queryset(self):
        return DetectionRun.objects.visible_to(self.request.user, VIEW_FINDINGS).select_related("thresholds")

    def extra_context(self):
        return {"can_run": decide(self.request.user, RUN_DETECTION).allowed}


@login_required
def run_start(request):
    region = region_where(request.user, RUN_DETECTION)
    form = RunForm(request.POST or None, region=region, year=request.GET.get("year"))
    if request.method == "POST" and form.is_valid():
        run = create_run(
            region=region, year=form.cleaned_data["year"], assessments=form.cleaned_data["works"], by=request.user
        )
        job = jobs.start(
            kind=DETECTION_RUN,
            title=_("Detection run, %(year)d") % {"year": run.year},
            by=request.user,
            region=region,
            params={"run_id": str(run.pk)},
        )
        run.job = job
        run.save(update_fields=["job"])
        return redirect("job-detail", pk=job.pk)
    return render(request, "detection/run_start.html", {"form": form, "region": region})


def _visible_run(request, pk) -> DetectionRun:
    run = get_object_or_404(
        DetectionRun.objects.visible_to(request.user, VIEW_FINDINGS).select_related("thresholds", "region"), pk=pk
    )
    require(request.user, VIEW_FINDINGS)
    return run


def _findings(request, run: DetectionRun):
    return Finding.objects.visible_to(request.user, VIEW_FINDINGS).filter(run=run)


@require_safe
@login_required
def run_detail(request, pk):
    run = _visible_run(request, pk)
    visible = _findings(request, run)
    counts = {
        row["assessment_id"]: row
        for row in visible.values("assessment_id").annotate(
            visible=Count("pk"), visible_flagged=Count("pk", filter=Q(flagged=True))
        )
    }
    empty = {"visible": 0, "visible_flagged": 0}
    works = [
        {**item, **{k: counts.get(item["assessment"], empty)[k] for k in empty}}
        for item in run.summary.get("works", [])
    ]
    thresholds = run_parameter_rows(run)
    context = {"run": run, "works": works, "thresholds": thresholds, "overtaken": _overtaken_titles(run)}
    return render(request, "detection/run_detail.html", context)


def _overtaken_titles(run: DetectionRun) -> list[str]:
    changed = set(run.overtaken_works())
    return [str(work) for work in run.assessments.filter(pk__in=changed).order_by("grade", "subject")]


class FindingFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_l("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_l("all")
    )
    flagged = forms.ChoiceField(
        label=_l("Signs"),
        required=False,
        choices=[("", _l("all schools")), ("1", _l("with signs")), ("0", _l("without signs"))],
    )
    risk = forms.ChoiceField(
        label=_l("Risk"),
        required=False,
        choices=[("", _l("any")), *Risk.choices],
    )


# The first click on «Риск» puts the highest risk first.
RISK_RANK = Case(
    When(~Q(status="ok"), then=Value(3)),
    When(risk=Risk.HIGH, then=Value(0)),
    When(risk=Risk.MEDIUM, then=Value(1)),
    default=Value(2),
)

# Links made while findings stored words (?risk=высокий) still filter.
RISK_BY_WORD = {word: code for code, word in wording.RISK_WORDS.items()}


def with_risk_code(data):
    """The filter's data with a risk given as a word replaced by its code."""
    if data is None or data.get("risk") not in RISK_BY_WORD:
        return data
    data = data.copy()
    data["risk"] = RISK_BY_WORD[data["risk"]]
    return data


def fioco_markers_text(finding: Finding) -> str:
    """The ФИОКО markers that fired, in words («средний балл; резкий спад параллели»); «—» when none could be
    computed, empty when none fired: one column instead of three columns of bare dots."""
    cohort = {"rise": _("sharp rise of the parallel"), "fall": _("sharp fall of the parallel")}
    fired = [
        *([_("mean score")] if finding.fioco_mean == 1 else []),
        *([_("marks vs journal")] if finding.fioco_spearman == 1 else []),
        *([cohort[finding.fioco_cohort]] if finding.fioco_cohort in cohort else []),
    ]
    known = (finding.fioco_mean, finding.fioco_spearman, finding.fioco_cohort)
    return "; ".join(fired) if fired else ("" if any(v is not None for v in known) else "—")


class WorkFindingsView(TableView):
    permission = VIEW_FINDINGS
    export_name = "findings"
    template_name = "detection/work_findings.html"
    table_class = "findings"
    search_fields = ("school__login", "school__short_name")
    search_placeholder = _l("Login or school")
    default_order = ("school__municipality__name", "school__short_name")
    columns = [
        Column("municipality", _l("Municipality"), lambda f: f.school.municipality.name, "school__municipality__name"),
        Column(
            "school",
            _l("School"),
            lambda f: f.school.short_name,
            "school__short_name",
            link=attr_link("school-findings", "run_id", "school_id"),
            nobreak_numero=True,
        ),
        Column("login", _l("Login"), lambda f: f.school.login, "school__login"),
        Column("n", _l("Participants"), lambda f: f.n, "n", numeric=True),
        Column("markers", _l("ФИОКО markers"), fioco_markers_text, None),
        Column(
            "layers",
            _l("Layers with signs"),
            lambda f: f.layers_seen or "",
            None,
            numeric=True,
        ),
        # By level, not by the code's letters (high, low, medium); «too few data» after «low».
        Column("risk", _l("Risk"), lambda f: f.risk_text if f.status == "ok" else _("too few data"), "risk_rank"),
        Column("reasons", _l("What was seen"), lambda f: f.reasons_text, None),
    ]

    def _columns_for(self, user) -> list[Column]:
        """The count and reasons of a school of fewer than MIN_CELL participants are the school's own (the reasons
        may name pupils): outside it the count reads «< 5» and the reasons a note, on the page and in the export."""

        def reasons(finding: Finding) -> str:
            hidden = browse.hidden_from(user, finding.school_id, finding.n)
            return str(SMALL_CELL_NOTE) if hidden else finding.reasons_text

        def participants(finding: Finding) -> int | str:
            hidden = browse.hidden_from(user, finding.school_id, finding.n)
            return f"< {browse.MIN_CELL}" if hidden else finding.n

        own = {"reasons": reasons, "n": participants}
        return [replace(c, value=own[c.key]) if c.key in own else c for c in type(self).columns]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.run = _visible_run(request, kwargs["pk"])
        self.columns = self._columns_for(request.user)
        self.work = get_object_or_404(self.run.assessments, pk=kwargs["work"])
        self.title = str(self.work)
        return super().dispatch(request, *args, **kwargs)

    def filter_form_class(self, data):
        form = FindingFilterForm(with_risk_code(data))
        form.fields["municipality"].queryset = Municipality.objects.visible_to(self.request.user, VIEW_FINDINGS).filter(
            region=self.run.region
        )
        return form

    def apply_filters(self, qs, data):
        if data.get("municipality"):
            qs = qs.filter(school__municipality=data["municipality"])
        if data.get("flagged") in ("0", "1"):
            qs = qs.filter(flagged=data["flagged"] == "1")
        if data.get("risk"):
            qs = qs.filter(risk=data["risk"], status="ok")
        return qs

    def base_queryset(self):
        rows = _findings(self.request, self.run).filter(assessment=self.work).select_related("school__municipality")
        return rows.defer("details").annotate(
            risk_rank=RISK_RANK
        )  # the layer texts (8 KB a row); the list shows only layers_seen

    def extra_context(self):
        item = next((w for w in self.run.summary.get("works", []) if w["assessment"] == self.work.pk), {})
        return {"run": self.run, "work": self.work, "item": item}


@require_safe
@login_required
def school_findings(request, pk, school):
    run = _visible_run(request, pk)
    school = get_object_or_404(
        School.objects.visible_to(request.user, VIEW_FINDINGS).select_related("municipality"), pk=school
    )
    findings = _findings(request, run).filter(school=school).select_related("assessment")
    findings = list(
        findings.prefetch_related("assessment__references").order_by("assessment__subject", "assessment__grade")
    )
    if not findings:
        raise PermissionDenied(_("No findings of this school in the run are visible to you"))
    blocks = evidence_blocks(run, findings, school, browse.is_own_school(request.user, school.pk))
    analyst = decide(request.user, RUN_DETECTION).allowed  # numbers and intervals: the analyst's view only
    context = {"run": run, "school": school, "blocks": blocks, "analyst": analyst, "overtaken": _overtaken_titles(run)}
    return render(request, "detection/school.html", context)


@login_required
def thresholds(request, year: int):
    region = region_where(request.user, VIEW_FINDINGS)
    year = year_arg(year)  # the path takes any digits; settings are kept only for real years
    current = current_settings(region, year)
    can_edit = decide(request.user, EDIT_THRESHOLDS, region).allowed
    form = ThresholdsForm(request.POST or None, initial=current.values) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(decide(request.user, EDIT_THRESHOLDS, region).reason)
        if form.is_valid():
            saved = save_thresholds(by=request.user, region=region, year=year, values=form.cleaned_data)
            messages.success(request, _("Saved as version %(n)d") % {"n": saved.version})
            return redirect("thresholds", year=year)
    versions = DetectionSettings.objects.filter(region=region, year=year).select_related("created_by")
    rows = threshold_rows(current.values)
    return render(
        request,
        "detection/thresholds.html",
        {"year": year, "current": current, "rows": rows, "form": form, "versions": versions},
    )
