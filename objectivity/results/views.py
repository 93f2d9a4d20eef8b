"""Pages of results: import, history of imports with their quality reports, the catalogue of works
and their reference data, and the ФИС ОКО tables of a work for a region, municipality, school, class."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from objectivity.authz.policy import decide, region_where, require, user_regions
from objectivity.authz.roles import EDIT_REFERENCE, IMPORT_REGISTRY, IMPORT_RESULTS, VIEW_RESULTS
from objectivity.core import jobs
from objectivity.core.params import query_id, query_text
from objectivity.core.tables import Column, TableView, pk_link
from objectivity.core.uploads import store_upload
from objectivity.core.xlsx import xlsx_response
from objectivity.orgs.models import Municipality, Region, School
from objectivity.results import browse, charts
from objectivity.results.actions import add_unknown_schools, import_catalogue, save_reference, withdraw_import
from objectivity.results.catalogue_xlsx import export_xlsx
from objectivity.results.current_rows import CountedRows, counted_rows
from objectivity.results.forms import (
    CatalogueUploadForm,
    DescriptionUploadForm,
    ReferenceForm,
    ResultsUploadForm,
    UnknownSchoolsForm,
    WorkFilterForm,
)
from objectivity.results.import_files import absolute
from objectivity.results.jobs import RESULTS_IMPORT
from objectivity.results.models import Assessment, ImportStatus, ResultImport
from objectivity.results.normalise import unknown_code_lines
from objectivity.results.quality import participation, quality_workbook, reason_label
from objectivity.results.reference import export_yaml


def _home_region(request) -> Region:
    """The region whose results the user browses: their own, or (federal scope) the one asked for."""
    ids = user_regions(request.user)
    if ids:
        return Region.objects.get(pk=ids[0])
    code = query_text(request, "region", max_length=10)
    region = Region.objects.filter(code=code).first() or Region.objects.first()
    if region is None:
        raise Http404(_("No region is set up yet"))
    return region


# ---- works with results ------------------------------------------------------------------------


class WorkListView(TableView):
    permission = VIEW_RESULTS
    title = _l("Results")
    export_name = "results"
    search_fields = ()
    default_order = ("-year", "procedure", "grade", "subject")
    template_name = "results/work_list.html"
    columns = [
        Column("work", _l("Work"), lambda a: str(a), "year", link=pk_link("work-detail")),
        Column("grade", _l("Grade"), lambda a: a.grade, "grade", numeric=True),
        Column("subject", _l("Subject"), lambda a: a.subject_name, "subject"),
        Column("period", _l("Period"), lambda a: a.get_period_display(), "period"),
        Column("imports", _l("Files in use"), lambda a: a.files, None, numeric=True),
        Column("last", _l("Last import"), lambda a: timezone.localtime(a.last).strftime("%d.%m.%Y %H:%M"), None),
    ]

    def filter_form_class(self, data):
        years = Assessment.objects.order_by("-year").values_list("year", flat=True).distinct()
        return WorkFilterForm(data, years=list(years))

    def apply_filters(self, qs, data):
        return qs.filter(**{key: value for key, value in data.items() if value not in (None, "")})

    def base_queryset(self):
        region = _home_region(self.request)
        in_use = Q(imports__region=region, imports__status=ImportStatus.ACTIVE)
        return (
            Assessment.objects.filter(in_use)
            .annotate(files=Count("imports", filter=in_use), last=Max("imports__created_at", filter=in_use))
            .distinct()
        )

    def extra_context(self):
        return {"can_import": decide(self.request.user, IMPORT_RESULTS).allowed}


# ---- import ------------------------------------------------------------------------------------


@login_required
def results_import(request):
    region = region_where(request.user, IMPORT_RESULTS)
    posted = request.method == "POST"
    form = ResultsUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        files = [
            {"path": str(store_upload(f, "results-staging")), "name": f.name, "staged": True}
            for f in form.cleaned_data["uploads"]
        ]
        job = jobs.start(
            kind=RESULTS_IMPORT,
            title=_("Results import: %(names)s") % {"names": ", ".join(f["name"] for f in files)[:250]},
            by=request.user,
            region=region,
            params={"region_id": region.pk, "user_id": request.user.pk, "hint": form.hint(), "files": files},
        )
        return redirect("job-detail", pk=job.pk)
    return render(request, "results/import.html", {"form": form, "region": region})


class ImportListView(TableView):
    permission = VIEW_RESULTS
    title = _l("Imports of results")
    export_name = "result-imports"
    search_fields = ("original_name",)
    search_placeholder = _l("File name")
    default_order = ("-created_at",)
    columns = [
        Column(
            "created_at",
            _l("Imported"),
            lambda i: timezone.localtime(i.created_at).strftime("%d.%m.%Y %H:%M"),
            "created_at",
        ),
        Column("file", _l("File"), lambda i: i.original_name, "original_name", link=pk_link("import-detail")),
        Column("work", _l("Work"), lambda i: str(i.assessment), "assessment__year"),
        Column("kind", _l("Kind of file"), lambda i: i.get_kind_display(), "kind"),
        Column("rows", _l("Rows"), lambda i: i.rows, "rows", numeric=True),
        Column("excluded", _l("Excluded"), lambda i: i.summary.get("excluded", 0), None, numeric=True),
        Column("status", _l("Status"), lambda i: i.get_status_display(), "status"),
        Column("by", _l("By"), lambda i: i.created_by.username if i.created_by else "", None),
    ]

    def base_queryset(self):
        return ResultImport.objects.visible_to(self.request.user, VIEW_RESULTS).select_related(
            "assessment", "created_by"
        )


def _visible_import(request, pk) -> ResultImport:
    found = get_object_or_404(
        ResultImport.objects.visible_to(request.user, VIEW_RESULTS).select_related("assessment", "region"), pk=pk
    )
    require(request.user, VIEW_RESULTS, found)
    return found


@require_safe
@login_required
def import_detail(request, pk):
    found = _visible_import(request, pk)
    can_manage = decide(request.user, IMPORT_RESULTS, found).allowed
    can_add_schools = can_manage and decide(request.user, IMPORT_REGISTRY, found.region).allowed
    unknown = found.summary.get("unknown_schools", [])
    form = (
        UnknownSchoolsForm(None, region=found.region, logins=[u["school_login"] for u in unknown])
        if can_add_schools and unknown
        else None
    )
    summary = found.summary
    kept = _files_kept(found)
    context = {
        "item": found,
        "summary": summary,
        "excluded": [(reason_label(c), n) for c, n in summary.get("excluded_by_reason", {}).items()],
        "warnings": [(reason_label(c), n) for c, n in summary.get("warnings_by_reason", {}).items()],
        "unknown_codes": unknown_code_lines(summary.get("unknown_codes", [])),
        "participation": participation(found) if kept else [],
        "files_kept": kept,
        "can_manage": can_manage,
        "unknown_form": form,
    }
    return render(request, "results/import_detail.html", context)


def _files_kept(found: ResultImport) -> bool:
    return bool(found.parquet) and absolute(found.parquet).exists()


@require_safe
@login_required
def import_quality(request, pk):
    found = _visible_import(request, pk)
    if not _files_kept(found):
        raise Http404(_("The files of this import are no longer kept"))
    return xlsx_response(f"quality-{found.pk}.xlsx", quality_workbook(found))


@require_safe
@login_required
def import_original(request, pk):
    found = _visible_import(request, pk)
    require(request.user, IMPORT_RESULTS, found)
    path = absolute(found.original)
    if not path.exists():
        raise Http404(_("The original file is no longer kept"))
    return FileResponse(path.open("rb"), as_attachment=True, filename=found.original_name)


@login_required
def import_withdraw(request, pk):
    found = _visible_import(request, pk)
    require(request.user, IMPORT_RESULTS, found)
    if request.method != "POST":
        return redirect("import-detail", pk=found.pk)
    if found.status == ImportStatus.ACTIVE:
        withdraw_import(by=request.user, result_import=found)
        messages.success(
            request,
            _("The import is withdrawn: its rows no longer count. The files are kept until %(date)s.")
            % {"date": f"{found.keep_files_until:%d.%m.%Y}"},
        )
    return redirect("import-detail", pk=found.pk)


@login_required
def import_add_schools(request, pk):
    found = _visible_import(request, pk)
    require(request.user, IMPORT_RESULTS, found)
    require(request.user, IMPORT_REGISTRY, found.region)  # adding schools is a registry write
    logins = [u["school_login"] for u in found.summary.get("unknown_schools", [])]
    form = UnknownSchoolsForm(request.POST or None, region=found.region, logins=logins)
    if request.method == "POST" and form.is_valid():
        created = add_unknown_schools(by=request.user, result_import=found, entries=form.entries())
        messages.success(request, _("Schools added to the registry: %(n)d") % {"n": len(created)})
        return redirect("import-detail", pk=found.pk)
    return render(request, "results/add_schools.html", {"item": found, "form": form})


# ---- catalogue ---------------------------------------------------------------------------------


class CatalogueView(TableView):
    permission = VIEW_RESULTS
    title = _l("Catalogue of works")
    export_name = "catalogue"
    template_name = "results/catalogue.html"
    default_order = ("-year", "procedure", "grade", "subject")
    columns = [
        Column("work", _l("Work"), lambda a: str(a), "year", link=pk_link("reference-detail")),
        Column("procedure", _l("Procedure"), lambda a: a.get_procedure_display(), "procedure"),
        Column("form", _l("Form"), lambda a: a.get_form_display(), "form"),
        Column("max", _l("Maximum"), lambda a: a.reference().max_total if a.reference() else "", None, numeric=True),
        Column("scale", _l("Scale «3»/«4»/«5»"), lambda a: _scale_text(a.reference()), None),
        Column(
            "columns",
            _l("Scoring columns"),
            lambda a: len(a.reference().columns) if a.reference() else 0,
            None,
            numeric=True,
        ),
        Column("source", _l("Source"), lambda a: _source_text(a.reference()), None),
    ]

    def base_queryset(self):
        return Assessment.objects.prefetch_related("references")

    def extra_context(self):
        return {"can_edit": decide(self.request.user, EDIT_REFERENCE).allowed}


def _scale_text(ref) -> str:
    return "/".join(map(str, ref.cuts)) if ref is not None and ref.cuts else _("unknown")


def _source_text(ref) -> str:
    return ref.source if ref is not None else ""


@require_safe
@login_required
def catalogue_export(request):
    require(request.user, VIEW_RESULTS)
    text = export_yaml(
        Assessment.objects.prefetch_related("references").order_by("year", "procedure", "grade", "subject")
    )
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalogue.yaml"'
    return response


@require_safe
@login_required
def catalogue_export_xlsx(request):
    require(request.user, VIEW_RESULTS)
    works = Assessment.objects.prefetch_related("references").order_by("year", "procedure", "grade", "subject")
    return xlsx_response("catalogue.xlsx", export_xlsx(works))


@login_required
def catalogue_import(request):
    region_where(request.user, EDIT_REFERENCE)
    form = CatalogueUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = import_catalogue(by=request.user, entries=form.entries, source_name=form.cleaned_data["file"].name)
        messages.success(
            request,
            _("Catalogue imported: new works %(created)d, new versions %(versions)d, unchanged %(unchanged)d")
            % report.__dict__,
        )
        return redirect("catalogue")
    return render(request, "results/catalogue_import.html", {"form": form})


@login_required
def description_import(request):
    """ФИОКО's official description of a work (ALL.xlsx and its PDF) as a new version of its reference data."""
    region_where(request.user, EDIT_REFERENCE)
    form = DescriptionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["workbook"].name
        report = import_catalogue(by=request.user, entries=form.entries, source_name=name)
        messages.success(
            request,
            _("Catalogue imported: new works %(created)d, new versions %(versions)d, unchanged %(unchanged)d")
            % report.__dict__,
        )
        for note in form.description.notes if form.description else []:
            messages.warning(request, note)
        return redirect("catalogue")
    return render(request, "results/description_import.html", {"form": form})


@login_required
def reference_detail(request, pk):
    require(request.user, VIEW_RESULTS)
    assessment = get_object_or_404(Assessment, pk=pk)
    can_edit = decide(request.user, EDIT_REFERENCE).allowed
    form = None
    if can_edit:
        form = ReferenceForm(request.POST or None, reference=assessment.reference())
        if request.method == "POST" and form.is_valid():
            version = save_reference(by=request.user, assessment=assessment, values=form.values())
            messages.success(request, _("Saved as version %(n)d") % {"n": version.version})
            return redirect("reference-detail", pk=assessment.pk)
    elif request.method == "POST":
        raise PermissionDenied(decide(request.user, EDIT_REFERENCE).reason)
    versions = assessment.references.select_related("created_by")
    return render(
        request,
        "results/reference_detail.html",
        {"assessment": assessment, "current": assessment.reference(), "versions": versions, "form": form},
    )


# ---- the ФИС ОКО tables of a work ---------------------------------------------------------------


@require_safe
@login_required
def work_detail(request, pk):
    require(request.user, VIEW_RESULTS)
    assessment = get_object_or_404(Assessment, pk=pk)
    region = _home_region(request)
    selection = _selection(request, region)
    counted = counted_rows(region, assessment)
    rows = counted.rows
    reference = assessment.reference()
    view = None
    if not rows.is_empty():
        own = selection["school"] is not None and browse.is_own_school(request.user, selection["school"].pk)
        levels = browse.build_levels(rows, region_name=region.name, own_school=own, rows_of=counted.of, **selection)
        max_total = _max_total(reference, rows)
        view = browse.describe_with_reference(levels, reference, max_total=max_total, derived=counted.derived)
    context = {
        "assessment": assessment,
        "region": region,
        "reference": reference,
        "view": view,
        "selection": selection,
        "municipalities": Municipality.objects.visible_to(request.user, VIEW_RESULTS).filter(region=region),
        "schools": _schools_for(request.user, selection["municipality"]),
        "classes": _classes(counted, selection["school"]),
        "charts": _charts(view) if view else {},
        "task_rows": browse.task_table(view) if view else [],
        "min_cell": browse.MIN_CELL,
    }
    return render(request, "results/work_detail.html", context)


def _selection(request, region: Region) -> dict:
    municipality = school = None
    visible_schools = School.objects.visible_to(request.user, VIEW_RESULTS).filter(municipality__region=region)
    school_id, municipality_id = query_id(request, "school"), query_id(request, "municipality")
    if school_id:
        school = get_object_or_404(visible_schools.select_related("municipality"), pk=school_id)
        municipality = school.municipality
    elif municipality_id:
        municipality = get_object_or_404(
            Municipality.objects.visible_to(request.user, VIEW_RESULTS), pk=municipality_id, region=region
        )
    elif not decide(request.user, VIEW_RESULTS, region):  # below regional scope: start at one's own unit
        school = visible_schools.select_related("municipality").first() if visible_schools.count() == 1 else None
        municipality = (
            school.municipality
            if school
            else Municipality.objects.visible_to(request.user, VIEW_RESULTS).filter(region=region).first()
        )
    return {
        "municipality": municipality,
        "school": school,
        "class_letter": query_text(request, "class", max_length=10) if school else "",
    }


def _schools_for(user, municipality):
    """The options of the school select: pk and short name of each visible school of the municipality. Dicts, not
    schools: a municipality's hundred schools as models took 11 ms to fetch and render, as dicts 3.7 ms (a model
    costs twenty fields to build, and the template tries a key before an attribute)."""
    if municipality is None:
        return School.objects.none()
    schools = School.objects.visible_to(user, VIEW_RESULTS).filter(municipality=municipality).order_by("short_name")
    return schools.values("pk", "short_name")


def _classes(counted: CountedRows, school) -> list[str]:
    if school is None or counted.rows.is_empty():
        return []
    letters = counted.of("school_id", school.pk)["class_letter"].drop_nulls().unique().sort()
    return letters.to_list()


def _max_total(reference, rows) -> int | None:
    if reference is not None and reference.max_total:
        return reference.max_total
    top = rows["total"].max()
    return int(top) if top is not None else None  # type: ignore[arg-type]


def _charts(view: browse.WorkView) -> dict:
    out = {}
    if view.marks:
        out["marks"] = charts.marks_chart(view.marks)
    if view.scores:
        out["scores"] = charts.scores_chart(view.scores, view.cuts)
    if view.tasks:
        out["tasks"] = charts.tasks_chart(view.tasks)
    if view.journal:
        out["journal"] = charts.journal_chart(view.journal)
    return out
