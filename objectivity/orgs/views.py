from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from objectivity.authz.policy import decide, region_where
from objectivity.authz.roles import EDIT_ORGS, IMPORT_REGISTRY, VIEW_ORGS
from objectivity.core import jobs
from objectivity.core.models import Job
from objectivity.core.panels import SCHOOL_CARD, render_panels
from objectivity.core.tables import Column, TableView, pk_link
from objectivity.core.tabular import TableFileError, read_table
from objectivity.core.uploads import store_upload
from objectivity.core.xlsx import write_table, xlsx_response
from objectivity.orgs.actions import save_body, update_school
from objectivity.orgs.forms import BodyForm, RegistryColumnsForm, RegistryUploadForm, SchoolFilterForm, SchoolForm
from objectivity.orgs.jobs import REGISTRY_IMPORT
from objectivity.orgs.models import SCHOOL_TYPE_SHORT, Body, Municipality, School
from objectivity.orgs.registry import COLUMN_ALIASES, is_known_layout
from objectivity.orgs.registry_columns import guess


def _yes(value: bool) -> str:
    return _("yes") if value else ""


class SchoolListView(TableView):
    permission = VIEW_ORGS
    title = _l("Schools")
    export_name = "schools"
    search_fields = ("login", "short_name", "full_name")
    search_placeholder = _l("Login or name")
    default_order = ("municipality__name", "short_name", "login")
    columns = [
        Column("login", _l("Login"), lambda s: s.login, "login", link=pk_link("school-detail")),
        Column(
            "short_name",
            _l("School"),
            lambda s: s.short_name,
            "short_name",
            link=pk_link("school-detail"),
            nobreak_numero=True,
        ),
        Column("municipality", _l("Municipality"), lambda s: s.municipality.name, "municipality__name"),
        Column("type", _l("Type"), lambda s: SCHOOL_TYPE_SHORT.get(s.school_type, s.school_type), "school_type"),
        Column("settlement", _l("Settlement"), lambda s: s.get_settlement_display(), "settlement"),
        Column("small", _l("Small"), lambda s: _yes(s.is_small), "is_small"),
        Column("branch", _l("Branch"), lambda s: _yes(s.is_branch), "is_branch"),
        Column("advanced", _l("Advanced study"), lambda s: _yes(s.is_advanced), "is_advanced"),
        Column("pupils", _l("Pupils"), lambda s: s.pupils_total, None, numeric=True),
    ]

    def filter_form_class(self, data):
        return SchoolFilterForm(data, user=self.request.user)

    def base_queryset(self):
        return School.objects.visible_to(self.request.user, VIEW_ORGS).select_related("municipality")

    def apply_filters(self, qs, data):
        if data.get("municipality"):
            qs = qs.filter(municipality=data["municipality"])
        for key in ("school_type", "settlement"):
            if data.get(key):
                qs = qs.filter(**{key: data[key]})
        for key in ("is_small", "is_branch", "is_advanced"):
            if data.get(key) in ("0", "1"):
                qs = qs.filter(**{key: data[key] == "1"})
        return qs


class MunicipalityListView(TableView):
    permission = VIEW_ORGS
    title = _l("Municipalities")
    export_name = "municipalities"
    search_fields = ("name",)
    search_placeholder = _l("Name")
    default_order = ("name",)
    columns = [
        Column(
            "name",
            _l("Municipality"),
            lambda m: m.name,
            "name",
            link=lambda m: reverse("school-list") + f"?municipality={m.pk}",
        ),
        Column("region", _l("Region"), lambda m: m.region.name, "region__name"),
        Column("schools", _l("Schools"), lambda m: m.school_count, "school_count", numeric=True),
    ]

    def base_queryset(self):
        return (
            Municipality.objects.visible_to(self.request.user, VIEW_ORGS)
            .select_related("region")
            .annotate(school_count=Count("schools"))
        )


class BodyListView(TableView):
    permission = VIEW_ORGS
    title = _l("Bodies")
    export_name = "bodies"
    search_fields = ("name", "short_name")
    search_placeholder = _l("Name")
    default_order = ("municipality__name", "kind", "name")
    columns = [
        Column("kind", _l("Kind"), lambda b: b.get_kind_display(), "kind"),
        Column("name", _l("Name"), lambda b: b.name, "name", link=pk_link("body-edit")),
        Column(
            "level",
            _l("Level"),
            lambda b: b.municipality.name if b.municipality else b.region.name,
            "municipality__name",
        ),
    ]

    template_name = "orgs/body_list.html"

    def base_queryset(self):
        return Body.objects.visible_to(self.request.user, VIEW_ORGS).select_related("region", "municipality")

    def extra_context(self):
        return {"can_edit": bool(decide(self.request.user, EDIT_ORGS))}


@require_safe
@login_required
def school_detail(request, pk: int):
    school = get_object_or_404(
        School.objects.visible_to(request.user, VIEW_ORGS).select_related("municipality__region"), pk=pk
    )
    grades = sorted(((int(g), n) for g, n in school.pupils_by_grade.items()))
    return render(
        request,
        "orgs/school_detail.html",
        {
            "school": school,
            "grades": grades,
            "panels": render_panels(SCHOOL_CARD, request, school),  # what other apps show on the card
            "can_edit": bool(decide(request.user, EDIT_ORGS, school)),
        },
    )


@login_required
def registry_import(request):
    region = region_where(request.user, IMPORT_REGISTRY)
    form = RegistryUploadForm(
        request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload, "registry")
        try:
            header = read_table(path, upload.name).header
        except TableFileError as exc:
            path.unlink(missing_ok=True)  # a refused upload is not kept
            form.add_error("file", str(exc))
        else:
            if not is_known_layout(header):  # a real registry's own headers: the user maps the columns
                request.session[REGISTRY_UPLOAD] = {"path": str(path), "name": upload.name, "region_id": region.pk}
                return redirect("registry-columns")
            return redirect("job-detail", pk=_start_registry_import(request, region, path, upload.name).pk)
    recent = Job.objects.visible_to(request.user, IMPORT_REGISTRY).filter(kind=REGISTRY_IMPORT)[:10]
    return render(request, "orgs/registry_import.html", {"form": form, "region": region, "recent": recent})


REGISTRY_UPLOAD = "registry_upload"


def _start_registry_import(request, region, path, name: str, columns: dict[str, int] | None = None) -> Job:
    params = {"path": str(path), "name": name, "region_id": region.pk, "user_id": request.user.pk}
    if columns is not None:
        params["columns"] = columns
    return jobs.start(
        kind=REGISTRY_IMPORT,
        title=_("Registry import: %(name)s") % {"name": name},
        by=request.user,
        region=region,
        params=params,
    )


@login_required
def registry_columns(request):
    """The column-mapping step: which column of the uploaded file holds each field of the registry."""
    region = region_where(request.user, IMPORT_REGISTRY)
    upload = request.session.get(REGISTRY_UPLOAD)
    if not upload or upload.get("region_id") != region.pk or not Path(upload["path"]).is_file():
        messages.info(request, _("Upload the registry file first."))
        return redirect("registry-import")
    table = read_table(Path(upload["path"]), upload["name"])
    plan = guess(table)
    samples = [_sample(table, i) for i in range(len(table.header))]
    form = RegistryColumnsForm(
        request.POST if request.method == "POST" else None,
        header=table.header,
        samples=samples,
        initial_fields=plan.fields,
    )
    if request.method == "POST" and form.is_valid():
        del request.session[REGISTRY_UPLOAD]
        job = _start_registry_import(request, region, upload["path"], upload["name"], form.columns())
        return redirect("job-detail", pk=job.pk)
    context = {"form": form, "region": region, "name": upload["name"], "notes": plan.notes[1:], "rows": len(table.rows)}
    return render(request, "orgs/registry_columns.html", context)


def _sample(table, index: int, n: int = 2) -> str:
    values = list(dict.fromkeys(row[index].strip() for row in table.rows[:50] if row[index].strip()))
    return ", ".join(v[:40] for v in values[:n])


@require_safe
@login_required
def registry_problems(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user, IMPORT_REGISTRY), pk=pk, kind=REGISTRY_IMPORT)
    if not decide(request.user, IMPORT_REGISTRY, job.region):
        raise PermissionDenied
    problems = (job.result or {}).get("problems", [])
    rows = ([p["row"], p["column"], p["value"], p["message"]] for p in problems)
    headers = [_("Row"), _("Column"), _("Value"), _("Problem")]
    return xlsx_response(f"registry-problems-{job.pk}.xlsx", write_table(headers, rows, sheet=_("Problems")))


@require_safe
@login_required
def registry_template(request):
    """An empty registry file with every column, to fill in."""
    headers = [names[0] for names in COLUMN_ALIASES.values()] + [f"{g} класс" for g in range(1, 12)]
    example = [
        [
            "sch220001",
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»",
            "МБОУ «СОШ № 1»",
            "Городской округ Примерный",
            "СОШ",
            "город",
            "нет",
            "нет",
            "нет",
            "",
            *[25] * 11,
        ]
    ]
    return xlsx_response("registry-template.xlsx", write_table(headers, example, sheet="Реестр"))


@login_required
def school_edit(request, pk: int):
    school = get_object_or_404(
        School.objects.visible_to(request.user, VIEW_ORGS).select_related("municipality__region"), pk=pk
    )
    decision = decide(request.user, EDIT_ORGS, school)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = SchoolForm(request.POST if request.method == "POST" else None, instance=School.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        update_school(by=request.user, school=school, **values)
        messages.success(request, _("Saved"))
        return redirect("school-detail", pk=school.pk)
    back = reverse("school-detail", args=[school.pk])
    return render(request, "core/form.html", {"form": form, "title": school.short_name, "back": back})


def _body_form_page(request, body: Body | None):
    region = body.region if body else region_where(request.user, EDIT_ORGS)
    if not decide(request.user, EDIT_ORGS, body or region):
        raise PermissionDenied(decide(request.user, EDIT_ORGS, body or region).reason)
    form = BodyForm(request.POST if request.method == "POST" else None, instance=body, region=region)
    if request.method == "POST" and form.is_valid():
        save_body(by=request.user, body=form.save(commit=False))
        messages.success(request, _("Saved"))
        return redirect("body-list")
    title = str(body) if body else _("New body")
    return render(request, "core/form.html", {"form": form, "title": title, "back": reverse("body-list")})


@login_required
def body_create(request):
    return _body_form_page(request, None)


@login_required
def body_edit(request, pk: int):
    return _body_form_page(request, get_object_or_404(Body.objects.visible_to(request.user, VIEW_ORGS), pk=pk))
