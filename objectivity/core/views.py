from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from objectivity.authz.policy import can
from objectivity.authz.roles import VIEW_ALL_JOBS
from objectivity.core.jobs import RESULT_TEMPLATES
from objectivity.core.models import Job
from objectivity.core.tables import Column, TableView, pk_link


def visible_jobs(user):
    jobs = (
        Job.objects.visible_to(user, VIEW_ALL_JOBS) if can(user, VIEW_ALL_JOBS) else Job.objects.filter(created_by=user)
    )
    return jobs.select_related("created_by")


class JobListView(TableView):
    permission = ""
    title = _l("Background jobs")
    export_name = "jobs"
    search_fields = ("title",)
    search_placeholder = _l("Title")
    default_order = ("-created_at",)
    columns = [
        Column(
            "created_at",
            _l("Started"),
            lambda j: timezone.localtime(j.created_at).strftime("%d.%m.%Y %H:%M"),
            "created_at",
        ),
        Column("title", _l("Job"), lambda j: j.title, "title", link=pk_link("job-detail")),
        Column("status", _l("Status"), lambda j: j.get_status_display(), "status"),
        Column("progress", _l("Progress, %"), lambda j: j.progress, "progress", numeric=True),
        Column("by", _l("Started by"), lambda j: j.created_by.username if j.created_by else ""),
    ]

    def base_queryset(self):
        return visible_jobs(self.request.user)


@require_safe
@login_required
def job_detail(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    return render(request, "core/job_detail.html", {"job": job, "result_template": RESULT_TEMPLATES.get(job.kind)})


@require_safe
@login_required
def job_status(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    return JsonResponse(
        {"status": job.status, "progress": job.progress, "message": job.message, "finished": job.finished}
    )


def health(request):
    """For monitoring: the database answers and the data directory is writable."""
    from django.conf import settings

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this page must answer
        checks["database"] = f"error: {exc.__class__.__name__}"
    checks["data_dir"] = "ok" if settings.DATA_DIR.is_dir() and _writable(settings.DATA_DIR) else "error"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)


def _writable(path) -> bool:
    import os

    return os.access(path, os.W_OK)
