from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.analysis.export_format import SUBJECTS
from objectivity.orgs.models import Municipality, School
from objectivity.orgs.registry import new_login_problem
from objectivity.results.descriptions import read_description
from objectivity.results.models import Assessment, FederalWindow, Period, Procedure, ScheduleEntry
from objectivity.results.reference import LEVELS, ReferenceError, parse_entries, read_catalogue

MAX_FILES = 50
RESULT_SUFFIXES = (".xlsx", ".csv", ".txt")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_empty_file=True, **kwargs)  # clean_uploads names the empty file

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        files = [f for f in files if f]
        if not files:
            raise forms.ValidationError(_("Choose at least one file"), code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ResultsUploadForm(forms.Form):
    uploads = MultipleFileField(label=_l("Files of results (.xlsx or .csv), several at once"))
    year = forms.IntegerField(label=_l("Year"), required=False, min_value=2015, max_value=2100)
    grade = forms.IntegerField(label=_l("Grade of the work"), required=False, min_value=1, max_value=11)
    subject = forms.ChoiceField(
        label=_l("Subject"),
        required=False,
        choices=[("", _l("from the file name")), *[(s.code, s.name) for s in SUBJECTS]],
    )
    procedure = forms.ChoiceField(
        label=_l("Procedure"), required=False, choices=[("", _l("from the file name")), *Procedure.choices]
    )
    period = forms.ChoiceField(
        label=_l("Period"), required=False, choices=[("", _l("from the file name")), *Period.choices]
    )

    def clean_uploads(self):
        files = self.cleaned_data["uploads"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at once") % {"n": MAX_FILES})
        for upload in files:
            if not upload.size:
                raise forms.ValidationError(_("File “%(name)s” is empty") % {"name": upload.name})
            if not upload.name.lower().endswith(RESULT_SUFFIXES):
                raise forms.ValidationError(_("File “%(name)s”: expected .xlsx or .csv") % {"name": upload.name})
            if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
                raise forms.ValidationError(
                    _("File “%(name)s” is larger than %(mb)d MB") % {"name": upload.name, "mb": settings.MAX_UPLOAD_MB}
                )
        return files

    def hint(self) -> dict:
        keys = ("year", "grade", "subject", "procedure", "period")
        return {key: self.cleaned_data[key] for key in keys if self.cleaned_data.get(key)}


class UnknownSchoolsForm(forms.Form):
    """For each login the registry did not know: a short name and a municipality (empty = skip)."""

    def __init__(self, data=None, *, region, logins: list[str]):
        super().__init__(data)
        known = set(
            School.objects.filter(login__in=logins, municipality__region=region).values_list("login", flat=True)
        )
        unknown = [login for login in logins if login not in known]
        problems = {login: new_login_problem(login, region) for login in unknown}
        self.logins = [login for login in unknown if not problems[login]]
        self.refused = [(login, problem) for login, problem in problems.items() if problem]  # shown, never added
        municipalities = Municipality.objects.filter(region=region)
        for login in self.logins:
            self.fields[f"name_{login}"] = forms.CharField(label=login, required=False, max_length=200, strip=True)
            self.fields[f"municipality_{login}"] = forms.ModelChoiceField(
                label=_l("Municipality"), queryset=municipalities, required=False
            )

    def clean(self):
        data = super().clean()
        for login in self.logins:
            name, municipality = data.get(f"name_{login}"), data.get(f"municipality_{login}")
            if bool(name) != bool(municipality):
                self.add_error(f"name_{login}", _("Give both the name and the municipality, or leave both empty"))
            elif name and not any(ch.isalpha() for ch in name):
                self.add_error(f"name_{login}", _("A school's name needs letters"))
        return data

    def rows(self):
        return [(login, self[f"name_{login}"], self[f"municipality_{login}"]) for login in self.logins]

    def entries(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"login": login, "short_name": data[f"name_{login}"], "municipality": data[f"municipality_{login}"]}
            for login in self.logins
            if data.get(f"name_{login}")
        ]


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(label=_l("Catalogue file (.yaml or .xlsx)"))
    entries: list[dict] = []

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".yaml", ".yml", ".xlsx")):
            raise forms.ValidationError(_("Expected a .yaml or .xlsx file"))
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB"))
        try:
            self.entries = read_catalogue(upload.read(), upload.name)
        except ReferenceError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class DescriptionUploadForm(forms.Form):
    """ФИОКО's «Описание проверочной работы»: ALL.xlsx and its PDF; the work is read from the PDF unless given."""

    workbook = forms.FileField(label=_l("Tasks of the work (ALL.xlsx)"))
    pdf = forms.FileField(label=_l("The description as PDF (for the scale of marks)"), required=False)
    year = forms.IntegerField(label=_l("Year"), required=False, min_value=2000, max_value=2100)
    grade = forms.IntegerField(label=_l("Grade"), required=False, min_value=1, max_value=11)
    subject = forms.ChoiceField(
        label=_l("Subject"), required=False, choices=[("", "—"), *((s.code, s.name) for s in SUBJECTS)]
    )
    cut3 = forms.IntegerField(label=_l("Lowest score for «3»"), required=False, min_value=0, max_value=1000)
    cut4 = forms.IntegerField(label=_l("Lowest score for «4»"), required=False, min_value=0, max_value=1000)
    cut5 = forms.IntegerField(label=_l("Lowest score for «5»"), required=False, min_value=0, max_value=1000)
    description = None
    entries: list[dict] = []

    def clean_workbook(self):
        return _checked_upload(self.cleaned_data["workbook"], ".xlsx")

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        return _checked_upload(upload, ".pdf") if upload else None

    def clean(self):
        data = super().clean()
        cuts = [data.get(k) for k in ("cut3", "cut4", "cut5")]
        if any(c is not None for c in cuts) and None in cuts:
            raise forms.ValidationError(_("Give all three cut scores of the scale, or none"))
        if self.errors:
            return data
        workbook, pdf = data["workbook"], data.get("pdf")
        try:
            self.description = read_description(
                workbook.read(),
                workbook.name,
                pdf.read() if pdf else None,
                pdf.name if pdf else "",
                year=data.get("year"),
                grade=data.get("grade"),
                subject=data.get("subject") or None,
                cuts=None if None in cuts else (cuts[0], cuts[1], cuts[2]),
            )
            self.entries = parse_entries([self.description.item], workbook.name)
        except ReferenceError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


def _checked_upload(upload, suffix: str):
    if not upload.name.lower().endswith(suffix):
        raise forms.ValidationError(_("Expected a %(suffix)s file") % {"suffix": suffix})
    if upload.size > 10 * 1024 * 1024:
        raise forms.ValidationError(_("The file is larger than 10 MB"))
    return upload


class ReferenceForm(forms.Form):
    max_total = forms.IntegerField(label=_l("Maximum primary score"), required=False, min_value=1, max_value=1000)
    cut3 = forms.IntegerField(label=_l("Lowest score for «3»"), required=False, min_value=0, max_value=1000)
    cut4 = forms.IntegerField(label=_l("Lowest score for «4»"), required=False, min_value=0, max_value=1000)
    cut5 = forms.IntegerField(label=_l("Lowest score for «5»"), required=False, min_value=0, max_value=1000)
    columns = forms.CharField(
        label=_l(
            "Scoring columns: one per line, «label; maximum; level Б/П/В; авто; крит» "
            "(авто = scored by the computer, крит = judged by the teacher against criteria)"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    source = forms.CharField(label=_l("Source"), max_length=300)

    def __init__(self, data=None, *, reference=None):
        initial = {}
        if reference is not None:
            initial = {
                "max_total": reference.max_total,
                "cut3": reference.cut3,
                "cut4": reference.cut4,
                "cut5": reference.cut5,
                "columns": "\n".join(_column_line(c) for c in reference.columns),
            }
        super().__init__(data, initial=initial)

    def clean_columns(self):
        parsed = []
        for number, line in enumerate(self.cleaned_data["columns"].splitlines(), start=1):
            if line.strip():
                parsed.append(_parse_column_line(line, len(parsed) + 1, number))
        return parsed

    def clean(self):
        data = super().clean()
        cuts = [data.get("cut3"), data.get("cut4"), data.get("cut5")]
        if any(c is not None for c in cuts):
            if any(c is None for c in cuts) or not cuts[0] < cuts[1] < cuts[2]:
                raise forms.ValidationError(_("The scale needs all three cuts with «3» < «4» < «5»"))
            top = data.get("max_total")
            if top is not None and cuts[2] > top:
                raise forms.ValidationError(_("The «5» cut is above the maximum score"))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        columns = data["columns"]
        max_total = data["max_total"] or (sum(c["max"] for c in columns) or None)
        keys = ("cut3", "cut4", "cut5", "source")
        return {"max_total": max_total, "columns": columns, "inferred": False, **{k: data[k] for k in keys}}


def _column_line(column: dict) -> str:
    parts = [str(column["label"]), str(column["max"]), column.get("level") or ""]
    flags = [word for word, on in (("авто", column.get("auto")), ("крит", column.get("criterion"))) if on]
    return "; ".join([*parts, *flags]).rstrip("; ")


def _parse_column_line(line: str, number: int, line_number: int) -> dict:
    parts = [p.strip() for p in line.split(";")]
    label, maximum = parts[0], parts[1] if len(parts) > 1 else ""
    level = parts[2].upper() if len(parts) > 2 and parts[2] else None
    if not maximum.isdigit() or not 1 <= int(maximum) <= 100:
        raise forms.ValidationError(
            _("Line %(n)d: the maximum “%(value)s” is not a whole number from 1 to 100")
            % {"n": line_number, "value": maximum}
        )
    if level is not None and level not in LEVELS:
        raise forms.ValidationError(_("Line %(n)d: the level must be Б, П or В") % {"n": line_number})
    flags = {p.lower() for p in parts[3:]}
    auto = bool(flags & {"auto", "авто", "да", "1"})
    criterion = True if flags & {"крит", "criterion", "критериальное"} else None  # unmarked: see info_of
    return {
        "number": number,
        "label": label or str(number),
        "max": int(maximum),
        "level": level,
        "auto": auto,
        "criterion": criterion,
    }


class ScheduleEntryForm(forms.Form):
    school = forms.ModelChoiceField(label=_l("School"), queryset=School.objects.none())
    assessment = forms.ModelChoiceField(label=_l("Work"), queryset=Assessment.objects.all())
    class_label = forms.CharField(label=_l("Class (e.g. 4А)"), max_length=20)
    date = forms.DateField(
        label=_l("Date"),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        from objectivity.authz.policy import can
        from objectivity.authz.roles import EDIT_SCHEDULE

        visible = School.objects.visible_to(user, EDIT_SCHEDULE).select_related("municipality")
        allowed = [s.pk for s in visible if can(user, EDIT_SCHEDULE, s)]
        self.fields["school"].queryset = visible.filter(pk__in=allowed)

    def clean(self):
        data = super().clean()
        work, day = data.get("assessment"), data.get("date")
        if work and day:
            window = FederalWindow.objects.filter(procedure=work.procedure, year=work.year, period=work.period).first()
            if window and not window.starts <= day <= window.ends:
                raise forms.ValidationError(
                    _("The date is outside the federal window %(from)s–%(to)s")
                    % {"from": f"{window.starts:%d.%m.%Y}", "to": f"{window.ends:%d.%m.%Y}"}
                )
        return data

    def entry(self) -> ScheduleEntry:
        data = self.cleaned_data
        found = ScheduleEntry.objects.filter(
            school=data["school"], assessment=data["assessment"], class_label=data["class_label"].upper()
        ).first()
        entry = found or ScheduleEntry(
            school=data["school"], assessment=data["assessment"], class_label=data["class_label"].upper()
        )
        entry.date = data["date"]
        return entry


class ListUploadForm(forms.Form):
    file = forms.FileField(label=_l("File (.xlsx or .csv)"), allow_empty_file=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError(_("File “%(name)s” is empty") % {"name": upload.name})
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Expected an .xlsx or .csv file"))
        return upload


class ControlUploadForm(ListUploadForm):
    assessment = forms.ModelChoiceField(
        label=_l("Work (when the file has no «предмет» and «класс» columns)"),
        queryset=Assessment.objects.all(),
        required=False,
    )


class WindowForm(forms.ModelForm):
    class Meta:
        model = FederalWindow
        fields = ["procedure", "year", "period", "starts", "ends"]
        widgets = {"starts": forms.DateInput(attrs={"type": "date"}), "ends": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["starts"] > data["ends"]:
            raise forms.ValidationError(_("The window must start before it ends"))
        return data

    def validate_unique(self):
        pass  # an existing window of the same procedure, year and period is updated, not duplicated

    def window(self) -> FederalWindow:
        data = self.cleaned_data
        key = {k: data[k] for k in ("procedure", "year", "period")}
        window = FederalWindow.objects.filter(**key).first() or FederalWindow(**key)
        window.starts, window.ends = data["starts"], data["ends"]
        return window


class WorkFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_l("Year"), required=False, coerce=int, empty_value=None)
    grade = forms.TypedChoiceField(
        label=_l("Grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _l("all")), *[(g, str(g)) for g in range(1, 12)]],
    )
    subject = forms.ChoiceField(
        label=_l("Subject"), required=False, choices=[("", _l("all")), *[(s.code, s.name) for s in SUBJECTS]]
    )
    procedure = forms.ChoiceField(label=_l("Procedure"), required=False, choices=[("", _l("all")), *Procedure.choices])

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("all")), *[(y, str(y)) for y in years]]
