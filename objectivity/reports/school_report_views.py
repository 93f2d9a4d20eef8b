"""The school report's page and its DOCX/PDF (?format=docx|pdf): one school and one work, the year the work's."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from objectivity.authz.policy import require
from objectivity.core import documents
from objectivity.reports.apps import VIEW_LIST
from objectivity.reports.school_report import build_report, sections
from objectivity.reports.school_report_document import school_report_document


@require_safe
@login_required
def school_report(request, school: int, work: int):
    require(request.user, VIEW_LIST)  # the rows themselves pass the findings' gate (404 outside the scope)
    report = build_report(request.user, school, work)
    fmt = request.GET.get("format")
    if fmt in documents.FORMATS:
        return documents.response(school_report_document(report), fmt, report.filename)
    return render(request, "reports/school_report.html", {"report": report, **sections(report)})
