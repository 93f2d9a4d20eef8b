"""Pages of a measure: make or change it, its page with the reports and their files, filing a report, the controller's
decision, starting, cancelling and deleting; the evidence files' download; and «Мои мероприятия»."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from objectivity.access.people import note_personal_view
from objectivity.authz.policy import decide
from objectivity.authz.roles import VIEW_PEOPLE, role_label
from objectivity.core.actors import SYSTEM_USERNAME
from objectivity.plans import actions, due, evidence
from objectivity.plans.access import (
    can_edit,
    can_report,
    is_executor,
    measure_or_404,
    plan_or_404,
    report_or_404,
)
from objectivity.plans.apps import EDIT_PLANS
from objectivity.plans.deadlines import Kind
from objectivity.plans.forms import CancelForm, DecisionForm, MeasureForm, ReportForm
from objectivity.plans.models import OPEN_STATUSES, REPORT_FORMS, EvidenceFile, ExecutionReport, Measure, Status
from objectivity.plans.views import executor_candidates

WAITING_SHOWN = 50  # reports awaiting the viewer's decision listed on «Мои мероприятия»; the rest are counted


def _controller_or_403(request, plan):
    decision = can_edit(request.user, plan)
    if not decision:
        raise PermissionDenied(decision.reason)


def _shows_names(user, plan) -> bool:
    return bool(decide(user, VIEW_PEOPLE, plan.scope_object))


def person_label(user, show_names: bool) -> str:
    """A person as the viewer may see them: the name to who may see people, else the role and the login."""
    if user is None:
        return ""
    if user.username == SYSTEM_USERNAME:
        return _("the system account")
    if show_names:
        return f"{user.display_name} ({user.username})"
    roles = [role_label(m.role) for m in user.active_memberships()]
    return f"{roles[0]} ({user.username})" if roles else user.username


@login_required
def measure_new(request, pk: int):
    plan = plan_or_404(request.user, pk)
    _controller_or_403(request, plan)
    return _measure_form(request, plan, None)


@login_required
def measure_edit(request, pk: int):
    measure = measure_or_404(request.user, pk)
    _controller_or_403(request, measure.plan)
    return _measure_form(request, measure.plan, measure)


def _measure_form(request, plan, measure):
    form = MeasureForm(
        request.POST or None,
        instance=measure or Measure(plan=plan),
        plan=plan,
        executors=executor_candidates(plan),
        show_names=_shows_names(request.user, plan),
    )
    if request.method == "POST" and form.is_valid():
        saved = actions.save_measure(
            by=request.user, plan=plan, measure=measure, values=form.values(), links=form.links()
        )
        messages.success(request, _("The measure is saved."))
        return redirect("measure-detail", pk=saved.pk)
    title = _("A new measure") if measure is None else _("Change the measure")
    context = {"plan": plan, "measure": measure, "form": form, "title": title, "report_forms": REPORT_FORMS}
    return render(request, "plans/measure_form.html", context, status=400 if form.errors else 200)


@require_safe
@login_required
def measure_detail(request, pk: int):
    measure = measure_or_404(request.user, pk)
    return _render_detail(request, measure)


def _render_detail(request, measure, *, report_form=None, decision_form=None, cancel_form=None, status=200):
    plan = measure.plan
    user = request.user
    controller = bool(can_edit(user, plan))
    reports = list(measure.reports.select_related("filed_by", "decided_by").prefetch_related("files"))
    names = _shows_names(user, plan)
    executors = list(measure.executors.all())
    if names and executors:
        note_personal_view(user, executors, where=request.path, scope=plan.scope_object)
    for report in reports:
        report.filed_by_label = person_label(report.filed_by, names)
        report.decided_by_label = person_label(report.decided_by, names)
    pending = next((r for r in reports if r.decision == ExecutionReport.Decision.PENDING), None)
    deadline = due.deadline_of(measure)
    context = {
        "plan": plan,
        "measure": measure,
        "reports": reports,
        "executors": [person_label(u, names) for u in executors],
        "show_names": names,
        "deadline": deadline,
        "relative": deadline.kind is Kind.RELATIVE,
        "unparsed": deadline.kind is Kind.UNPARSED and bool(measure.deadline_text),
        "procedure_date": due.procedure_date_of(measure),
        "overdue": measure.is_overdue(),
        "controller": controller,
        "may_report": can_report(user, measure) and measure.status in OPEN_STATUSES,
        "may_start": (controller or is_executor(user, measure)) and measure.status == Status.PLANNED,
        "pending": pending,
        "own_pending": pending is not None and pending.filed_by_id == user.pk,
        "report_form": report_form or ReportForm(),
        "decision_form": decision_form or DecisionForm(),
        "cancel_form": cancel_form or CancelForm(),
        "may_cancel": controller and measure.status not in (Status.ACCEPTED, Status.CANCELLED),
        "may_delete": controller and not reports,
    }
    return render(request, "plans/measure_detail.html", context, status=status)


@require_POST
@login_required
def measure_report(request, pk: int):
    measure = measure_or_404(request.user, pk)
    if not can_report(request.user, measure):
        raise PermissionDenied(_("Only the measure's executors and the plan's controllers file its reports."))
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.file_report(
                by=request.user,
                measure=measure,
                comment=form.cleaned_data["comment"],
                uploads=form.cleaned_data["evidence_files"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The report is filed; the plan's controller will accept or return it."))
            return redirect("measure-detail", pk=measure.pk)
    return _render_detail(request, measure, report_form=form, status=400)


@require_POST
@login_required
def report_decide(request, pk: int):
    report = report_or_404(request.user, pk)
    _controller_or_403(request, report.measure.plan)
    if report.filed_by_id == request.user.pk:
        raise PermissionDenied(_("A report is decided on by another controller of the plan, not by who filed it."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            actions.decide_report(by=request.user, report=report, accept=accept, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The measure is accepted (снято с контроля).") if accept else _("The report is returned.")
            )
            return redirect("measure-detail", pk=report.measure_id)
    return _render_detail(request, report.measure, decision_form=form, status=400)


@require_POST
@login_required
def measure_start(request, pk: int):
    measure = measure_or_404(request.user, pk)
    if not (can_edit(request.user, measure.plan) or is_executor(request.user, measure)):
        raise PermissionDenied(_("Only the measure's executors and the plan's controllers change its status."))
    _run(request, lambda: actions.start_measure(by=request.user, measure=measure), _("The measure is in progress."))
    return redirect("measure-detail", pk=measure.pk)


@require_POST
@login_required
def measure_cancel(request, pk: int):
    measure = measure_or_404(request.user, pk)
    _controller_or_403(request, measure.plan)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, measure, cancel_form=form, status=400)
    reason = form.cleaned_data["reason"]
    _run(request, lambda: actions.cancel_measure(by=request.user, measure=measure, reason=reason), _("Cancelled."))
    return redirect("measure-detail", pk=measure.pk)


@require_POST
@login_required
def measure_delete(request, pk: int):
    measure = measure_or_404(request.user, pk)
    plan = measure.plan
    _controller_or_403(request, plan)
    if _run(request, lambda: actions.delete_measure(by=request.user, measure=measure), _("The measure is deleted.")):
        return redirect("plan-detail", pk=plan.pk)
    return redirect("measure-detail", pk=measure.pk)


def _run(request, do, success: str) -> bool:
    try:
        do()
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return False
    messages.success(request, success)
    return True


@require_safe
@login_required
def evidence_file(request, pk: int):
    """An evidence file, to those who see its measure; always as an attachment, never rendered by the browser."""
    item = get_object_or_404(EvidenceFile.objects.select_related("report"), pk=pk)
    measure_or_404(request.user, item.report.measure_id)
    path = evidence.absolute(item.path)
    if not path.exists():
        raise Http404(_("The file is no longer kept: its retention period has ended."))
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=item.name, content_type=evidence.KINDS[item.kind]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
@login_required
def my_measures(request):
    """«Мои мероприятия»: the measures the user is an executor of, by due date; and, for a controller, the reports
    awaiting their decision."""
    today = timezone.localdate()
    mine = list(
        request.user.plan_measures.select_related("plan__school", "plan__municipality", "plan__region")
        .exclude(status=Status.CANCELLED)
        .order_by("status", "due_date", "pk")
    )
    open_first = sorted(mine, key=lambda m: (m.status not in OPEN_STATUSES, m.due_date or today.replace(year=9999)))
    # Reports the viewer decides on: the gate's own query (a regional controller may have a thousand), oldest first.
    pending = (
        ExecutionReport.objects.visible_to(request.user, EDIT_PLANS)
        .filter(decision=ExecutionReport.Decision.PENDING)
        .exclude(filed_by=request.user)
    )
    waiting = list(
        pending.select_related("measure__plan__school", "measure__plan__municipality", "measure__plan__region")
        .defer("measure__plan__school__pupils_by_grade")
        .order_by("filed_at")[:WAITING_SHOWN]
    )
    context = {
        "measures": open_first,
        "waiting": waiting,
        "waiting_more": max(0, pending.count() - len(waiting)),
        "today": today,
        "overdue": sum(1 for m in mine if m.is_overdue(today)),
    }
    return render(request, "plans/my_measures.html", context)
