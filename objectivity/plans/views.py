"""Pages of plans: the list, making a plan (from a template or from scratch), a plan with its progress by section
and its documents, its versions, amending it, and the progress of a municipality's and a region's plans."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from objectivity.access.models import User
from objectivity.authz.policy import can, decide
from objectivity.core import documents
from objectivity.core.tables import Column, TableView, pk_link
from objectivity.core.xlsx import xlsx_response
from objectivity.plans import actions, progress
from objectivity.plans.access import can_edit, plan_or_404, visible_measures, visible_plans
from objectivity.plans.apps import EDIT_PLANS, VIEW_PLANS
from objectivity.plans.forms import AmendForm, OrderFields, PlanCreateForm, current_school_year
from objectivity.plans.models import OPEN_STATUSES, Level, Plan


class PlanList(TableView):
    permission = VIEW_PLANS
    title = _l("Plans of measures")
    export_name = "plany-meropriyatiy"
    template_name = "plans/plan_list.html"
    search_fields = ("title", "school__short_name", "school__login", "municipality__name")
    search_placeholder = _l("Title, school or municipality")
    default_order = ("-school_year", "level", "municipality__name", "school__short_name")

    def dispatch(self, request, *args, **kwargs):
        self.columns = [
            Column("year", _l("School year"), lambda p: p.school_year_label, "school_year"),
            Column("level", _l("Level"), lambda p: p.get_level_display(), "level"),
            Column("owner", _l("Whose plan"), lambda p: p.owner_label, "school__short_name", nobreak_numero=True),
            Column("title", _l("Title"), lambda p: p.title, "title", link=pk_link("plan-detail")),
            Column("measures", _l("Measures"), lambda p: self._tally(p).counted, None, numeric=True),
            Column("accepted", _l("Accepted"), lambda p: self._tally(p).accepted, None, numeric=True),
            Column("overdue", _l("Overdue"), lambda p: self._tally(p).overdue, None, numeric=True),
            Column("done", _l("Done, %"), lambda p: self._tally(p).done_percent, None, numeric=True),
        ]
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        plans = visible_plans(self.request.user).select_related("region", "municipality", "school")
        self._tallies = progress.by_plan(plans)
        return plans

    def _tally(self, plan) -> progress.Tally:
        return self._tallies.get(plan.pk, progress.Tally())

    def filter_form_class(self, data):
        from objectivity.plans.forms import PlanFilterForm

        return PlanFilterForm(data, user=self.request.user)

    def apply_filters(self, qs, data):
        if data.get("school_year"):
            qs = qs.filter(school_year=data["school_year"])
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("municipality"):
            qs = qs.filter(municipality=data["municipality"])
        return qs

    def extra_context(self):
        # Every role holding plans.edit makes plans of its own scope: no need to build the form to know.
        return {"can_create": can(self.request.user, EDIT_PLANS)}


@login_required
def plan_create(request):
    form = PlanCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if not form.fields["level"].choices:
        raise PermissionDenied(_("No role lets you make plans of measures."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data.get("template") or ""
        plan = actions.create_plan(
            by=request.user,
            scope=data["scope"],
            school_year=data["school_year"],
            title=data.get("title") or "",
            template_key=key,
            measures=data["rows"],
            order=form.order(),
        )
        messages.success(request, _("The plan is made. Check its measures: set executors and dates of procedures."))
        return redirect("plan-detail", pk=plan.pk)
    return render(request, "plans/plan_create.html", {"form": form}, status=400 if form.errors else 200)


@require_safe
@login_required
def plan_detail(request, pk: int):
    plan = plan_or_404(request.user, pk)
    fmt = request.GET.get("format")
    if fmt:
        return _plan_file(plan, fmt)
    measures = list(
        plan.measures.order_by("position", "pk").prefetch_related("executors", "schools", "assessments", "bodies")
    )
    version = plan.current_version()
    outside = [m for m in measures if m.due_date and not plan.year_start <= m.due_date <= plan.year_end]
    context = {
        "plan": plan,
        "version": version,
        "unapproved": actions.unapproved_changes(plan, version),
        "outside_year": outside,
        "versions": plan.versions.order_by("-number"),
        "measures": measures,
        "sections": progress.by_section(plan),
        "tally": progress.tally(plan.measures.all()),
        "can_edit": bool(can_edit(request.user, plan)),
    }
    return render(request, "plans/plan_detail.html", context)


def _plan_file(plan: Plan, fmt: str):
    from objectivity.plans.documents import plan_document, plan_xlsx

    name = f"plan-meropriyatiy-{file_owner(plan)}-{plan.school_year}-{(plan.school_year + 1) % 100:02d}"
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", plan_xlsx(plan))
    if fmt in documents.FORMATS:
        return documents.response(plan_document(plan), fmt, name)
    raise Http404(_("No such format"))


def file_owner(plan: Plan) -> str:
    """Whose plan, in a file's name: a school's login, a municipality's or the region's code (a coordinator keeps
    many plans in one folder)."""
    if plan.school is not None:
        return plan.school.login
    if plan.municipality is not None:
        return f"mo-{plan.municipality.code or plan.municipality.pk}"
    return f"region-{plan.region.code}"


def _editable_plan(request, pk: int) -> Plan:
    plan = plan_or_404(request.user, pk)
    decision = can_edit(request.user, plan)
    if not decision:
        raise PermissionDenied(decision.reason)
    return plan


@login_required
def plan_amend(request, pk: int):
    """A new version approved by a new order: the measures as they are now are kept with it."""
    plan = _editable_plan(request, pk)
    form = AmendForm(request.POST or None, initial={"title": plan.title})
    if request.method == "POST" and form.is_valid():
        version = actions.amend_plan(
            by=request.user,
            plan=plan,
            order=form.order(),
            changes=form.cleaned_data["changes"],
            title=form.cleaned_data["title"],
        )
        messages.success(request, _("Version %(n)d of the plan is saved.") % {"n": version.number})
        return redirect("plan-detail", pk=plan.pk)
    context = {"plan": plan, "form": form, "title": _("Amend the plan: a new version")}
    return render(request, "plans/plan_form.html", context, status=400 if form.errors else 200)


@login_required
def plan_order(request, pk: int):
    """Fill in the order that approved the current version (a plan is often drafted before the order is signed)."""
    plan = _editable_plan(request, pk)
    version = plan.current_version()
    if version is None:
        raise Http404(_("The plan has no version."))
    initial = {"order_body": version.order_body, "order_number": version.order_number, "order_date": version.order_date}
    form = OrderFields(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.update_plan_order(by=request.user, plan=plan, order=form.order())
        messages.success(request, _("The approving order is saved."))
        return redirect("plan-detail", pk=plan.pk)
    context = {"plan": plan, "form": form, "title": _("The order that approved the plan")}
    return render(request, "plans/plan_form.html", context, status=400 if form.errors else 200)


@require_safe
@login_required
def plan_version(request, pk: int, number: int):
    plan = plan_or_404(request.user, pk)
    version = get_object_or_404(plan.versions, number=number)
    return render(request, "plans/plan_version.html", {"plan": plan, "version": version})


@require_safe
@login_required
def plans_progress(request):
    """Progress of the plans the viewer sees: a region's by municipality, a municipality's by its schools' plans."""
    if not can(request.user, VIEW_PLANS):
        raise PermissionDenied(decide(request.user, VIEW_PLANS).reason)
    plans = visible_plans(request.user)
    years = sorted(set(plans.values_list("school_year", flat=True)), reverse=True)
    if not years:
        return render(request, "plans/progress.html", {"years": [], "year": None})
    year = _chosen_year(request, years)
    plans = plans.filter(school_year=year)
    tallies = progress.by_plan(plans)
    listed = progress.listed_schools(request.user, year)
    municipalities = progress.by_municipality(plans, tallies=tallies, listed=listed)
    chosen = _chosen_municipality(request, municipalities)
    context = {
        "years": years,
        "year": year,
        "totals": progress.totals(plans, tallies=tallies),
        "municipalities": municipalities,
        "chosen": chosen,
        "has_list": bool(listed),
        "upper_plans": [
            (p, tallies.get(p.pk, progress.Tally()))
            for p in plans.exclude(level=Level.SCHOOL).select_related("region", "municipality")
        ],
        "school_plans": _school_plans(plans, chosen, tallies),
        "without_plan": _listed_without_plan(chosen),
        "can_report": _can_see_oiv_report(request.user),
    }
    if request.GET.get("format") == "docx" and context["can_report"]:
        return _execution_report(request, year)
    return render(request, "plans/progress.html", context)


def _chosen_municipality(request, rows: list[progress.MunicipalityProgress]):
    """The municipality whose schools' plans are listed: the one asked for, or the only one the viewer sees. A
    region's thousand school plans are not one table: the region picks a municipality."""
    asked = request.GET.get("municipality", "")
    for row in rows:
        if str(row.municipality.pk) == asked or len(rows) == 1:
            return row
    return None


def _school_plans(plans, chosen, tallies) -> list:
    if chosen is None:
        return []
    found = (
        plans.filter(level=Level.SCHOOL, municipality=chosen.municipality)
        .select_related("school")
        .defer("school__pupils_by_grade")
        .order_by("school__short_name")
    )
    return [(p, tallies.get(p.pk, progress.Tally())) for p in found]


def _listed_without_plan(chosen) -> list:
    from objectivity.orgs.models import School

    if chosen is None:
        return []
    missing = chosen.listed - chosen.schools_with_plans
    return list(School.objects.filter(pk__in=missing).defer("pupils_by_grade").order_by("short_name"))


def _chosen_year(request, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = current_school_year()
    return year if year in years else years[0]


def _can_see_oiv_report(user) -> bool:
    """The report for the ОИВ is a regional document: regional roles that see plans."""
    return any(m.level == "region" and decide(user, VIEW_PLANS, m.region) for m in user.active_memberships())


def _execution_report(request, year: int):
    from objectivity.plans.documents import execution_document

    region = next(m.region for m in request.user.active_memberships() if m.level == "region" and m.region)
    return documents.response(execution_document(region, year, request.user), "docx", f"otchyot-ob-ispolnenii-{year}")


def executor_candidates(plan: Plan):
    """People who may be named executors: those holding a role inside the plan's scope."""
    if plan.level == Level.SCHOOL:
        q = Q(memberships__school=plan.school_id)
    elif plan.level == Level.MUNICIPALITY:
        q = Q(memberships__municipality=plan.municipality_id) | Q(
            memberships__school__municipality=plan.municipality_id
        )
    else:
        q = (
            Q(memberships__region=plan.region_id)
            | Q(memberships__municipality__region=plan.region_id)
            | Q(memberships__school__municipality__region=plan.region_id)
        )
    return User.objects.filter(pk__in=User.objects.filter(q, is_active=True).values("pk")).order_by("username")


class MeasureList(TableView):
    """Every measure the viewer sees across plans, by due date: what is overdue, due soon or awaiting a decision in
    a municipality or the region, in one table with its export (the start page's counts link here)."""

    permission = VIEW_PLANS
    title = _l("Measures of plans")
    export_name = "meropriyatiya-planov"
    template_name = "plans/measure_list.html"
    search_fields = (
        "title",
        "responsible",
        "plan__school__short_name",
        "plan__school__login",
        "plan__municipality__name",
    )
    search_placeholder = _l("Measure, responsible, school or municipality")
    default_order = ("due_date", "plan__school_year", "position", "pk")

    def dispatch(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        self.columns = [
            Column("year", _l("School year"), lambda m: m.plan.school_year_label, "plan__school_year"),
            Column("owner", _l("Whose plan"), lambda m: m.plan.owner_label, None, nobreak_numero=True),
            Column("number", "№", lambda m: m.full_number, None),
            Column("title", _l("Measure"), lambda m: m.title, "title", link=pk_link("measure-detail")),
            Column("deadline", _l("Deadline"), lambda m: m.deadline_text, None),
            Column("due", _l("Due"), lambda m: f"{m.due_date:%d.%m.%Y}" if m.due_date else "", "due_date"),
            Column("status", _l("Status"), self._status, "status"),
            Column("responsible", _l("Responsible"), lambda m: m.responsible, None),
        ]
        return super().dispatch(request, *args, **kwargs)

    def _status(self, measure) -> str:
        label = str(measure.get_status_display())
        return f"{label}, {_('overdue')}" if measure.is_overdue(self.today) else label

    def base_queryset(self):
        return (
            visible_measures(self.request.user)
            .select_related("plan__school", "plan__municipality", "plan__region")
            .defer("plan__school__pupils_by_grade")
        )

    def filter_form_class(self, data):
        from objectivity.plans.forms import MeasureFilterForm

        return MeasureFilterForm(data, user=self.request.user)

    def apply_filters(self, qs, data):
        from objectivity.plans.reminders import window_end

        state = data.get("state")
        if state == "overdue":
            qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=self.today)
        elif state == "due":
            qs = qs.filter(status__in=OPEN_STATUSES, due_date__gte=self.today, due_date__lte=window_end(self.today))
        elif state == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif state:
            qs = qs.filter(status=state)
        for key, field in (("school_year", "plan__school_year"), ("level", "plan__level")):
            if data.get(key):
                qs = qs.filter(**{field: data[key]})
        if data.get("municipality"):
            qs = qs.filter(plan__municipality=data["municipality"])
        return qs
