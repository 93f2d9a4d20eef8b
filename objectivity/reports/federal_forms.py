"""Forms of the federal list's pages: the upload, the column-mapping step, and the filters of the entries."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.reports import federal_columns
from objectivity.reports import federal_layout as layout
from objectivity.reports.federal_columns import Mapping


class FederalUploadForm(forms.Form):
    file = forms.FileField(label=_l("Federal list file (.xlsx or .csv)"), allow_empty_file=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError(_("File “%(name)s” is empty") % {"name": upload.name})
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Expected an .xlsx or .csv file, got “%(name)s”") % {"name": upload.name})
        if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; at most %(max)d MB are accepted")
                % {"size": upload.size / 1048576, "max": settings.MAX_UPLOAD_MB}
            )
        return upload


class FederalColumnsForm(forms.Form):
    """What each column of the file holds, one choice per column, pre-filled with the guesses from the headers."""

    file_year = forms.IntegerField(
        label=_l("Year of the whole file"),
        required=False,
        min_value=2015,
        max_value=2100,
        help_text=_l("Only for a file of one year that has no «Год» column: every row is read as of this year."),
    )

    def __init__(self, data=None, *, header: list[str], samples: list[str], guessed: Mapping):
        super().__init__(data)
        self.header = header
        self.fields["file_year"].initial = guessed.year
        choices = federal_columns.choices()
        for index, label in enumerate(header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=label or _("(no header)"),
                choices=choices,
                required=False,
                initial=guessed.meaning(index),
                help_text=samples[index],
            )

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, int] = {}
        for index in range(len(self.header)):
            key = cleaned.get(f"column_{index}", "")
            if key and key in seen:
                self.add_error(
                    f"column_{index}",
                    _("«%(meaning)s» is already chosen for the column «%(column)s»")
                    % {"meaning": _meaning(key), "column": self.header[seen[key]]},
                )
            seen.setdefault(key, index)
        if not self.errors:
            for problem in federal_columns.problems(self.mapping()):
                self.add_error(None, problem[:1].upper() + problem[1:])
        return cleaned

    def mapping(self) -> Mapping:
        chosen = {i: self.cleaned_data.get(f"column_{i}", "") for i in range(len(self.header))}
        mapping = federal_columns.from_choices(chosen)
        mapping.year = None if "year" in mapping.fields else self.cleaned_data.get("file_year")
        return mapping


def _meaning(key: str) -> str:
    return layout.FIELDS.get(key) or layout.work_header(key)


class FederalEntryFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_l("Year"), required=False, coerce=int, empty_value=None)
    registry = forms.ChoiceField(
        label=_l("In the registry"),
        required=False,
        choices=[("", _l("any")), ("yes", _l("yes")), ("no", _l("no: as the list gives it"))],
    )
    work = forms.ChoiceField(label=_l("Marked on the work"), required=False)

    def __init__(self, data=None, *, years: list[int], works: list[str]):
        super().__init__(data)
        self.fields["year"].choices = [("", _("all")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        self.fields["work"].choices = [("", _("any")), *((w, layout.work_header(w)) for w in works)]  # type: ignore[attr-defined]
