from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.analysis.parameters import FIOCO
from objectivity.core import typography
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


class ThresholdField(forms.FloatField):
    """A threshold's input shows it as people write it (0.667, not 0.6666666666666666); sent back unchanged, the
    stored exact value stays (2/3 is not 0.667: a school with 2 markers of 3 would fall below it)."""

    def __init__(self, *args, exact: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.exact = exact

    def prepare_value(self, value):
        return _shown(value) if isinstance(value, float) else value

    def clean(self, value):
        cleaned = super().clean(value)
        if self.exact is not None and cleaned is not None and cleaned == float(_shown(self.exact)):
            return self.exact
        return cleaned


def _shown(value: float) -> str:
    """The input's text: three significant digits with a decimal point (a number input takes no comma)."""
    return typography.threshold(value).replace(",", ".").replace(typography.NBSP, "")


class ThresholdsForm(forms.Form):
    def __init__(self, data=None, *, initial):
        super().__init__(data, initial=initial)
        for t in THRESHOLDS:
            label = f"{t.label} [{t.source_label}]"
            value = initial.get(t.key, t.default)
            bounds = {"label": label, "min_value": t.low, "max_value": t.high, "initial": value}
            self.fields[t.key] = forms.IntegerField(**bounds) if t.whole else ThresholdField(exact=value, **bounds)
            if t.source == FIOCO:
                published = typography.threshold(t.default)
                self.fields[t.key].help_text = _("The published value is %(value)s") % {"value": published}
