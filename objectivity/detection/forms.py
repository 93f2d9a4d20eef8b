from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.analysis.parameters import FIOCO
from objectivity.core.params import YEARS, parse_int
from objectivity.detection.runs import works_of_year
from objectivity.detection.thresholds import THRESHOLDS
from objectivity.results.models import Assessment, ImportStatus


class RunForm(forms.Form):
    year = forms.TypedChoiceField(label=_l("Year"), coerce=int)
    works = forms.ModelMultipleChoiceField(
        label=_l("Works (all of the year when none is chosen)"),
        queryset=Assessment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data=None, *, region, year=None):
        super().__init__(data)
        years = (
            Assessment.objects.filter(procedure="vpr", imports__region=region, imports__status=ImportStatus.ACTIVE)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        self.fields["year"].choices = [(y, str(y)) for y in years]
        # The posted year, else the one asked for in the link, else the latest; a malformed one counts as none.
        chosen = (
            (parse_int(data.get("year"), low=YEARS[0], high=YEARS[1]) if data else None)
            or parse_int(year, low=YEARS[0], high=YEARS[1])
            or (years[0] if years else None)
        )
        self.fields["works"].queryset = works_of_year(region, chosen) if chosen else Assessment.objects.none()
        self.initial["year"] = chosen
        self.region = region

    def clean(self):
        data = super().clean()
        if data.get("year") and not data.get("works"):
            data["works"] = list(works_of_year(self.region, data["year"]))
        if not data.get("works"):
            raise forms.ValidationError(_("There are no ВПР results of this year to analyse"))
        return data


class ThresholdsForm(forms.Form):
    def __init__(self, data=None, *, initial):
        super().__init__(data, initial=initial)
        for t in THRESHOLDS:
            field_class = forms.IntegerField if t.whole else forms.FloatField
            label = f"{t.label} [{t.source_label}]"
            self.fields[t.key] = field_class(
                label=label, min_value=t.low, max_value=t.high, initial=initial.get(t.key, t.default)
            )
            if t.source == FIOCO:
                self.fields[t.key].help_text = _("The published value is %(value)s") % {"value": t.default}
