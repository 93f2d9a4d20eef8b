"""The regional analytic report's page: the analyst edits the text sections (with the placeholders they may use),
saves them, and downloads the report as DOCX or PDF."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from objectivity.authz.policy import decide, region_where
from objectivity.authz.roles import VIEW_FINDINGS
from objectivity.core import documents
from objectivity.reports import analytic, listing
from objectivity.reports.actions import save_report_texts
from objectivity.reports.apps import EDIT_REPORT_TEXTS
from objectivity.reports.report_texts import SECTIONS, saved_texts

MAX_TEXT = 20_000  # characters a section may hold


class TextsForm(forms.Form):
    def __init__(self, *args, initial_texts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for section in SECTIONS:
            self.fields[section.key] = forms.CharField(
                label=section.title,
                initial=initial_texts[section.key],
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 6}),
            )


@login_required
def analytic_report_page(request):
    region = region_where(request.user, VIEW_FINDINGS)  # a regional document: regional roles only
    years = listing.list_years(request.user)
    year = listing.chosen_year(request, years)
    if request.method == "POST":
        return _save(request, region, year)
    fmt = request.GET.get("format")
    if fmt in documents.FORMATS and year is not None:
        document = analytic.analytic_report(request.user, region, year)
        return documents.response(document, fmt, f"analiticheskiy-otchyot-{year}")
    form = TextsForm(initial_texts=saved_texts(region, year)) if year else None
    context = {"years": years, "year": year, "form": form, "can_edit": _can_edit(request, region), "region": region}
    return render(request, "reports/analytic.html", context)


def _can_edit(request, region) -> bool:
    return decide(request.user, EDIT_REPORT_TEXTS, region).allowed


def _save(request, region, year):
    if not _can_edit(request, region):
        raise PermissionDenied(decide(request.user, EDIT_REPORT_TEXTS, region).reason)
    if year is None:
        return redirect("analytic-report")
    form = TextsForm(request.POST, initial_texts=saved_texts(region, year))
    if not form.is_valid():
        context = {
            "years": listing.list_years(request.user),
            "year": year,
            "form": form,
            "can_edit": True,
            "region": region,
        }
        return render(request, "reports/analytic.html", context, status=400)
    save_report_texts(by=request.user, region=region, year=year, texts=form.cleaned_data)
    messages.success(request, _("The texts of the report are saved."))
    return redirect(f"{request.path}?year={year}")
