"""The list's page: a table of the schools with signs of either method, its filters, and its exports (XLSX of exactly
what is filtered; DOCX and PDF of the same rows grouped by municipality, ready to sign)."""

from django import forms
from django.utils.translation import gettext_lazy as _l

from objectivity.authz.policy import decide
from objectivity.authz.roles import VIEW_FINDINGS
from objectivity.core import documents
from objectivity.core.tables import Column, TableView, pk_link
from objectivity.detection.models import Risk
from objectivity.orgs.models import Municipality
from objectivity.reports import listing
from objectivity.reports.apps import VIEW_LIST
from objectivity.reports.columns import list_columns
from objectivity.reports.list_document import list_document
from objectivity.results.models import Assessment

METHODS = [
    ("", _l("either method")),
    ("ours", _l("signs of the combination of layers")),
    ("fioco", _l("markers of the published method")),
    ("both", _l("both methods")),
    ("one", _l("one method only")),
]


class ListFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_l("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_l("all")
    )
    work = forms.ModelChoiceField(
        label=_l("Work"), queryset=Assessment.objects.none(), required=False, empty_label=_l("all")
    )
    method = forms.ChoiceField(label=_l("Signs"), required=False, choices=METHODS)
    risk = forms.ChoiceField(label=_l("Risk"), required=False, choices=[("", _l("any")), *Risk.choices])


class SchoolListOfSigns(TableView):
    permission = VIEW_LIST
    template_name = "reports/list.html"
    table_class = "signs wraphead"
    search_fields = ("login", "short_name", "full_name")
    search_placeholder = _l("Login or school")
    default_order = ("municipality__name", "short_name", "login")  # never a ranking (GLOSSARY.md)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.years = listing.list_years(request.user)
            self.year = listing.chosen_year(request, self.years)
            self.runs = listing.year_runs(request.user, self.year) if self.year else []
            self.context = listing.ListContext.build(request.user, self.year) if self.year else None
            self.columns = self._columns()
            self.title = _l("List of schools with signs of non-objective results")
            self.export_name = f"perechen-{self.year}"
        return super().dispatch(request, *args, **kwargs)

    def _columns(self) -> list[Column]:
        sorts = {"municipality": "municipality__name", "school": "short_name", "login": "login"}
        links = {"school": pk_link("school-detail")}  # the card: the school's signs with its reports and evidence
        return [
            Column(
                c.key,
                c.header(self.year or 0),
                self._cell(c.value),
                sorts.get(c.key),
                link=links.get(c.key),
                nobreak_numero=c.key == "school",
            )
            for c in list_columns()
        ]

    def _cell(self, value):
        return lambda school: value(self.row(school))

    def row(self, school) -> listing.ListRow:
        """One ListRow per school object, made once for all its columns."""
        if not hasattr(school, "_list_row"):
            school._list_row = listing.ListRow(school, self.context)
        return school._list_row

    def filter_form_class(self, data):
        form = ListFilterForm(data)
        user = self.request.user
        form.fields["municipality"].queryset = Municipality.objects.visible_to(user, VIEW_LIST).filter(
            region__in=[run.region_id for run in self.runs]
        )
        form.fields["work"].queryset = Assessment.objects.filter(detection_runs__in=self.runs).distinct()
        return form

    def base_queryset(self):
        return listing.listed_schools(self.request.user, self.runs)

    def apply_filters(self, qs, data):
        findings = listing.listed_findings(self.request.user, self.runs)
        if data.get("work"):
            findings = findings.filter(assessment=data["work"])
        if data.get("risk"):
            findings = findings.filter(listing.OURS, risk=data["risk"])
        findings = _by_method(findings, data.get("method", ""))
        if data.get("municipality"):
            findings = findings.filter(school__municipality=data["municipality"])
        return listing.listed_schools(self.request.user, self.runs, findings)

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt in documents.FORMATS and self.year:
            qs, _form = self.filtered_queryset()
            rows = [self.row(school) for school in qs]
            return documents.response(list_document(rows, self.runs, self.year), fmt, self.export_name)
        return super().get(request, *args, **kwargs)

    def extra_context(self):
        can_open_runs = decide(self.request.user, VIEW_FINDINGS).allowed  # a school sees its row, not the run
        return {"years": self.years, "year": self.year, "runs": self.runs, "can_open_runs": can_open_runs}


def _by_method(findings, method: str):
    """Findings of one method, both, or one only; a school is listed with the findings that pass."""
    if method == "ours":
        return findings.filter(listing.OURS)
    if method == "fioco":
        return findings.filter(listing.FIOCO)
    if method == "both":
        return findings.filter(listing.OURS).filter(listing.FIOCO)
    if method == "one":
        return findings.exclude(listing.OURS & listing.FIOCO)
    return findings
