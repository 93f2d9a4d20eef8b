"""Pages of the federal list: its entries (a table), the import (upload → column mapping → result), the comparison
with our findings, and our markers in the federal layout."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from objectivity.authz.policy import can, region_where, require
from objectivity.authz.roles import VIEW_FINDINGS
from objectivity.core.params import year_arg
from objectivity.core.tables import Column, TableView
from objectivity.core.tabular import TableFileError, read_table
from objectivity.core.uploads import store_upload
from objectivity.core.xlsx import write_sheets, xlsx_response
from objectivity.reports import federal_compare, federal_export, federal_import, listing
from objectivity.reports import federal_layout as layout
from objectivity.reports.apps import IMPORT_FEDERAL
from objectivity.reports.federal_columns import guess
from objectivity.reports.federal_forms import FederalColumnsForm, FederalEntryFilterForm, FederalUploadForm
from objectivity.reports.models import FederalEntry, FederalList

UPLOAD = "federal_list_upload"
MAX_PROBLEMS_SHOWN = 500


def _works_text(entry: FederalEntry) -> str:
    return ", ".join(layout.work_header(w) for w in sorted(entry.marks, key=layout.work_order))


class FederalEntries(TableView):
    permission = VIEW_FINDINGS
    title = _l("Federal list of schools with markers")
    template_name = "reports/federal_list.html"
    export_name = "federalnyj-perechen"
    search_fields = ("login", "school_name", "municipality_name")
    search_placeholder = _l("Login or school")
    default_order = ("-year", "municipality_name", "school_name", "login")  # as the list gives them: no ranking
    columns = [
        Column("year", _l("Year"), lambda e: e.year, "year"),
        Column("login", _l("Login"), lambda e: e.login, "login"),
        Column("municipality", _l("Municipality (as in the list)"), lambda e: e.municipality_name, "municipality_name"),
        Column("school", _l("School (as in the list)"), lambda e: e.school_name, "school_name"),
        Column("registry", _l("In the registry"), lambda e: _("yes") if e.school_id else _("no")),
        Column("works", _l("Works with markers"), _works_text),
        Column("markers", _l("Number of markers"), lambda e: e.markers, "markers", numeric=True),
    ]

    def visible(self):
        return FederalEntry.objects.visible_to(self.request.user, VIEW_FINDINGS)

    def base_queryset(self):
        return self.visible()

    def filter_form_class(self, data):
        user = self.request.user
        works = sorted(federal_compare.covered_works(self.visible()), key=layout.work_order)
        return FederalEntryFilterForm(data, years=federal_compare.federal_years(user), works=works)

    def apply_filters(self, qs, data):
        if data.get("year"):
            qs = qs.filter(year=data["year"])
        if data.get("registry"):
            qs = qs.filter(school__isnull=data["registry"] == "no")
        if data.get("work"):
            qs = qs.filter(marks__has_key=data["work"])
        return qs

    def extra_context(self):
        user = self.request.user
        lists = FederalList.objects.visible_to(user, VIEW_FINDINGS).select_related("created_by")[:10]
        years = federal_compare.federal_years(user)
        return {"lists": lists, "can_import": can(user, IMPORT_FEDERAL), "latest_year": years[0] if years else None}


@login_required
def federal_upload(request):
    """The upload: the file is read to check it, kept, and the column-mapping step follows."""
    region = region_where(request.user, IMPORT_FEDERAL)
    form = FederalUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload, "federal")
        if error := _unreadable(path, upload.name):
            path.unlink(missing_ok=True)  # a refused upload is not kept
            form.add_error("file", error)
        else:
            request.session[UPLOAD] = {"path": str(path), "name": upload.name, "region_id": region.pk}
            return redirect("federal-columns")
    lists = FederalList.objects.filter(region=region).select_related("created_by")[:10]
    return render(request, "reports/federal_import.html", {"form": form, "region": region, "lists": lists})


def _unreadable(path: Path, name: str) -> str:
    try:
        header = read_table(path, name).header
    except TableFileError as exc:
        return str(exc)
    return federal_import.own_export_error(name) if layout.is_own_export(header) else ""


@login_required
def federal_columns(request):
    """The column-mapping step, then the import: all or nothing, with the problems by row, column and value."""
    region = region_where(request.user, IMPORT_FEDERAL)
    upload = request.session.get(UPLOAD)
    if not upload or upload.get("region_id") != region.pk or not Path(upload["path"]).is_file():
        messages.info(request, _("Upload the federal list file first."))
        return redirect("federal-import")
    table = read_table(Path(upload["path"]), upload["name"])
    guessed = guess(table.header)
    samples = [_sample(table, i) for i in range(len(table.header))]
    form = FederalColumnsForm(request.POST or None, header=table.header, samples=samples, guessed=guessed.mapping)
    report = None
    if request.method == "POST" and form.is_valid():
        path = Path(upload["path"])
        report = federal_import.import_federal_list(
            by=request.user, region=region, table=table, mapping=form.mapping(), file_name=upload["name"],
            sha256=federal_import.sha256_of(path), original=str(path),
        )  # fmt: skip
        if report.ok:
            del request.session[UPLOAD]
            if report.unchanged:
                path.unlink(missing_ok=True)  # the entries came from an earlier file, which is kept
                messages.info(request, _("The file holds the entries already imported: nothing was changed."))
            return redirect("federal-import-detail", pk=report.list_id)
    context = {"form": form, "name": upload["name"], "rows": len(table.rows), "report": report,
               "unrecognised": guessed.unrecognised, "max_shown": MAX_PROBLEMS_SHOWN}  # fmt: skip
    return render(request, "reports/federal_columns.html", context)


def _sample(table, index: int, n: int = 3) -> str:
    values = list(dict.fromkeys(row[index].strip() for row in table.rows[:200] if row[index].strip()))
    return ", ".join(v[:40] for v in values[:n])


def _visible_list(request, pk: int) -> FederalList:
    lists = FederalList.objects.visible_to(request.user, VIEW_FINDINGS).select_related("created_by", "region")
    return get_object_or_404(lists, pk=pk)


@require_safe
@login_required
def federal_import_xlsx(request, pk: int):
    """The tables of an import's page: its years, and the schools not in the registry."""
    summary = _visible_list(request, pk).summary
    replaced = summary.get("replaced", {})
    years = [[int(year), n, replaced.get(year, 0)] for year, n in sorted(summary.get("marked", {}).items())]
    unknown = [
        [s["row"], s["year"], s["login"], s["municipality"], s["school"]] for s in summary.get("not_in_registry", [])
    ]
    sheets = [
        (_("By year"), [_("Year"), _("schools marked on a work"), _("entries of earlier files replaced")], years),
        (_("Schools not in the registry"), [_("Row"), _("Year"), _("Login"), _("Municipality (as in the list)"),
                                            _("School (as in the list)")], unknown),
    ]  # fmt: skip
    return xlsx_response(f"federalnyj-perechen-zagruzka-{pk}.xlsx", write_sheets(sheets))


@require_safe
@login_required
def federal_import_detail(request, pk: int):
    kept = _visible_list(request, pk)
    summary = kept.summary
    context = {"list": kept, "summary": summary, "marked": sorted(summary.get("marked", {}).items())}
    return render(request, "reports/federal_import_detail.html", context)


@require_safe
@login_required
def federal_compare_page(request):
    require(request.user, VIEW_FINDINGS)
    years = federal_compare.federal_years(request.user)
    year = listing.chosen_year(request, years)
    comparison = federal_compare.compare(request.user, year) if year else None
    context = {"years": years, "year": year, "comparison": comparison, "methods": federal_compare.METHODS}
    return render(request, "reports/federal_compare.html", context)


@require_safe
@login_required
def federal_compare_xlsx(request, year: int):
    require(request.user, VIEW_FINDINGS)
    comparison = federal_compare.compare(request.user, year_arg(year))
    return xlsx_response(f"sravnenie-s-federalnym-perechnem-{year}.xlsx", write_sheets(_comparison_sheets(comparison)))


def _comparison_sheets(comparison) -> list:
    methods = {key: str(label) for key, label in federal_compare.METHODS.items()}
    agreement = [
        [a.work_label, methods[a.method], a.both, a.federal_only, a.ours_only, a.neither, a.schools,
         _rounded(a.share), _rounded(a.kappa)]
        for a in comparison.agreement
    ]  # fmt: skip
    one = [[layout.work_label(r.work), methods[r.method], _on(r.on), r.login, r.municipality, r.school]
           for r in comparison.one_list]  # fmt: skip
    outside = [[layout.work_label(r.work), r.login, r.municipality, r.school, r.why] for r in comparison.outside]
    agreement_headers = [_("Work"), _("Ours"), _("Both lists"), _("Federal list only"), _("Ours only"),
                         _("Neither"), _("Schools compared"), _("Agreement share"), _("Cohen's kappa")]  # fmt: skip
    return [
        (_("Agreement"), agreement_headers, agreement),
        (_("On one list only"), [_("Work"), _("Ours"), _("On"), _("Login"), _("Municipality"), _("School")], one),
        (_("Outside the comparison"), [_("Work"), _("Login"), _("Municipality"), _("School"), _("Why")], outside),
    ]


def _rounded(value: float | None) -> float | str:
    return "" if value is None else round(value, 3)


def _on(where: str) -> str:
    return _("federal list only") if where == "federal" else _("ours only")


@require_safe
@login_required
def federal_ours_xlsx(request, year: int):
    require(request.user, VIEW_FINDINGS)
    runs = listing.year_runs(request.user, year_arg(year))
    if not runs:
        raise Http404("no completed run of the year")
    content = federal_export.workbook(request.user, year, runs)
    return xlsx_response(federal_export.file_name(year), content)
