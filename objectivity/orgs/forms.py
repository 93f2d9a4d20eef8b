from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from objectivity.authz.roles import VIEW_ORGS
from objectivity.orgs.models import (
    MUNICIPAL_LEVEL_BODIES,
    REGION_LEVEL_BODIES,
    Body,
    Municipality,
    School,
    SchoolType,
    Settlement,
)

YES_NO = [("", _("any")), ("1", _("yes")), ("0", _("no"))]


class SchoolFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False, empty_label=_("all")
    )
    school_type = forms.ChoiceField(label=_("Type"), choices=[("", _("all")), *SchoolType.choices], required=False)
    settlement = forms.ChoiceField(label=_("Settlement"), choices=[("", _("all")), *Settlement.choices], required=False)
    is_small = forms.ChoiceField(label=_("Small school"), choices=YES_NO, required=False)
    is_branch = forms.ChoiceField(label=_("Branch"), choices=YES_NO, required=False)
    is_advanced = forms.ChoiceField(label=_("Advanced study"), choices=YES_NO, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["municipality"].queryset = Municipality.objects.visible_to(user, VIEW_ORGS).select_related(
                "region"
            )


class RegistryUploadForm(forms.Form):
    file = forms.FileField(label=_("Registry file (.xlsx or .csv)"), allow_empty_file=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError(_("File “%(name)s” is empty") % {"name": upload.name})
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Expected an .xlsx or .csv file, got “%(name)s”") % {"name": upload.name})
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; at most %(max)d MB are accepted")
                % {"size": upload.size / 1048576, "max": settings.MAX_UPLOAD_MB}
            )
        return upload


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = [
            "full_name",
            "short_name",
            "municipality",
            "school_type",
            "settlement",
            "is_small",
            "is_branch",
            "is_advanced",
            "email",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.instance.municipality.region
        self.fields["municipality"].queryset = Municipality.objects.filter(region=region)  # type: ignore[attr-defined]


class BodyForm(forms.ModelForm):
    class Meta:
        model = Body
        fields = ["kind", "name", "short_name", "municipality"]

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.region = region
        field = self.fields["municipality"]
        field.queryset = Municipality.objects.filter(region=region)  # type: ignore[attr-defined]
        field.required = False
        field.help_text = _("Only for МОУО and ММС; leave empty for regional bodies")

    def clean(self):
        data = super().clean()
        kind, municipality = data.get("kind"), data.get("municipality")
        if kind in MUNICIPAL_LEVEL_BODIES and not municipality:
            raise forms.ValidationError(_("МОУО and ММС belong to a municipality: choose it"))
        if kind in REGION_LEVEL_BODIES and municipality:
            raise forms.ValidationError(_("This kind of body belongs to the region: leave the municipality empty"))
        return data


class RegistryColumnsForm(forms.Form):
    """Which column of the uploaded file holds each field; pre-filled with the guesses."""

    def __init__(self, data=None, *, header: list[str], samples: list[str], initial_fields: dict[str, int]):
        from objectivity.orgs.registry_columns import FIELDS, NEEDED

        super().__init__(data)
        self.header = header
        choices = [("", _("— not in the file —"))] + [
            (str(i), f"{h or _('(no header)')}" + (f" — {samples[i]}" if samples[i] else ""))
            for i, h in enumerate(header)
        ]
        for key, label in FIELDS.items():
            self.fields[key] = forms.ChoiceField(
                label=label, choices=choices, required=key in NEEDED, initial=str(initial_fields.get(key, ""))
            )
        self.fields["municipality"].help_text = _(
            "If the file has no municipality, the schools go to «Муниципалитет не указан»; you can correct it later."
        )
        self.fields["region"].help_text = _(
            "Rows whose region differs from yours are left out and listed, as are logins with another region's digits."
        )

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for key, value in list(cleaned.items()):
            if not value:
                continue
            if value in seen:
                self.add_error(
                    key,
                    _("The column «%(column)s» is already chosen for «%(field)s»")
                    % {"column": self.header[int(value)], "field": self.fields[seen[value]].label},
                )
            seen[value] = key
        return cleaned

    def columns(self) -> dict[str, int]:
        return {key: int(value) for key, value in self.cleaned_data.items() if value}
