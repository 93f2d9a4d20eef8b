"""Pages of schedules («график проведения»), federal windows and the control sample."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.authz.policy import decide, region_where, require
from objectivity.authz.roles import EDIT_REFERENCE, EDIT_SCHEDULE, IMPORT_RESULTS, VIEW_RESULTS
from objectivity.core.tables import Column, TableView
from objectivity.core.tabular import TableFileError, read_table
from objectivity.core.uploads import store_upload
from objectivity.results.actions import (
    delete_schedule_entry,
    import_control_file,
    import_schedule_file,
    save_schedule_entry,
    save_window,
)
from objectivity.results.forms import ControlUploadForm, ListUploadForm, ScheduleEntryForm, WindowForm
from objectivity.results.models import ControlSample, FederalWindow, ScheduleEntry


class ScheduleListView(TableView):
    permission = VIEW_RESULTS
    title = _l("Schedules of assessments")
    export_name = "schedule"
    template_name = "results/schedule_list.html"
    search_fields = ("school__login", "school__short_name", "class_label")
    search_placeholder = _l("Login, school or class")
    default_order = ("date", "school__short_name", "class_label")
    columns = [
        Column("date", _l("Date"), lambda e: f"{e.date:%d.%m.%Y}", "date"),
        Column("school", _l("School"), lambda e: e.school.short_name, "school__short_name", nobreak_numero=True),
        Column("login", _l("Login"), lambda e: e.school.login, "school__login"),
        Column("work", _l("Work"), lambda e: str(e.assessment), "assessment__subject"),
        Column("class", _l("Class"), lambda e: e.class_label, "class_label"),
    ]

    def base_queryset(self):
        return ScheduleEntry.objects.visible_to(self.request.user, VIEW_RESULTS).select_related("school", "assessment")

    def extra_context(self):
        user = self.request.user
        return {
            "can_edit": decide(user, EDIT_SCHEDULE).allowed,
            "can_import": decide(user, IMPORT_RESULTS).allowed,
            "windows": FederalWindow.objects.all()[:6],
        }


@login_required
def schedule_add(request):
    require(request.user, EDIT_SCHEDULE)
    form = ScheduleEntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        save_schedule_entry(by=request.user, entry=form.entry())
        messages.success(request, _("The line is added to the schedule"))
        return redirect("schedule-list")
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("A line of the schedule"), "back": reverse("schedule-list")},
    )


@login_required
def schedule_delete(request, pk):
    entry = get_object_or_404(ScheduleEntry.objects.visible_to(request.user, VIEW_RESULTS), pk=pk)
    decision = decide(request.user, EDIT_SCHEDULE, entry)
    if not decision or request.method != "POST":
        raise PermissionDenied(decision.reason)
    delete_schedule_entry(by=request.user, entry=entry)
    messages.success(request, _("The line is removed from the schedule"))
    return redirect("schedule-list")


def _upload_table(form):
    upload = form.cleaned_data["file"]
    path = store_upload(upload, "lists")
    try:
        return read_table(path, upload.name), upload.name
    finally:
        path.unlink(missing_ok=True)


def _list_import(request, *, form_class, kind: str, run, done_message: str, done_url: str):
    """The shared flow of list imports: upload, read, import all or nothing, show the problems."""
    region = region_where(request.user, IMPORT_RESULTS)
    form = form_class(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            table, name = _upload_table(form)
        except TableFileError as exc:
            form.add_error("file", str(exc))
        else:
            report = run(table=table, name=name, region=region, data=form.cleaned_data)
            if report.ok:
                messages.success(request, done_message % report.__dict__)
                return redirect(done_url)
    return render(request, "results/list_import.html", {"form": form, "report": report, "kind": kind})


@login_required
def schedule_import(request):
    return _list_import(
        request,
        form_class=ListUploadForm,
        kind="schedule",
        run=lambda table, name, region, data: import_schedule_file(
            by=request.user, table=table, name=name, region=region
        ),
        done_message=_("Schedule imported: new lines %(created)d, updated %(unchanged)d"),
        done_url="schedule-list",
    )


@login_required
def windows(request):
    require(request.user, VIEW_RESULTS)
    can_edit = decide(request.user, EDIT_REFERENCE).allowed
    form = WindowForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(decide(request.user, EDIT_REFERENCE).reason)
        if form.is_valid():
            save_window(by=request.user, window=form.window())
            messages.success(request, _("The federal window is saved"))
            return redirect("windows")
    return render(request, "results/windows.html", {"windows": FederalWindow.objects.all(), "form": form})


class ControlSampleView(TableView):
    permission = VIEW_RESULTS
    title = _l("Sample of «ВПР с контролем объективности результатов»")
    export_name = "control-sample"
    template_name = "results/control_list.html"
    search_fields = ("school__login", "school__short_name")
    search_placeholder = _l("Login or school")
    default_order = ("-assessment__year", "assessment__grade", "assessment__subject", "school__login")
    columns = [
        Column("work", _l("Work"), lambda c: str(c.assessment), "assessment__year"),
        Column("login", _l("Login"), lambda c: c.school.login, "school__login"),
        Column("school", _l("School"), lambda c: c.school.short_name, "school__short_name", nobreak_numero=True),
        Column("municipality", _l("Municipality"), lambda c: c.school.municipality.name, "school__municipality__name"),
    ]

    def base_queryset(self):
        return ControlSample.objects.visible_to(self.request.user, VIEW_RESULTS).select_related(
            "assessment", "school__municipality"
        )

    def extra_context(self):
        return {"can_import": decide(self.request.user, IMPORT_RESULTS).allowed}


@login_required
def control_import(request):
    return _list_import(
        request,
        form_class=ControlUploadForm,
        kind="control",
        run=lambda table, name, region, data: import_control_file(
            by=request.user, table=table, name=name, region=region, assessment=data.get("assessment")
        ),
        done_message=_("Sample imported: new entries %(created)d, already there %(unchanged)d"),
        done_url="control-list",
    )
