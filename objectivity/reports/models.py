"""The text sections of the regional analytic report that an analyst edits before generating it (one text per region,
year and section; the shipped wording when none is saved)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class ReportText(models.Model):
    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, related_name="report_texts")
    year = models.PositiveSmallIntegerField(_("year"))
    section = models.CharField(_("section"), max_length=40)
    text = models.TextField(_("text"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(region="region", municipality=None, school=None)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("text of the analytic report")
        constraints = [models.UniqueConstraint(fields=["region", "year", "section"], name="unique_report_text")]

    def __str__(self) -> str:
        return f"{self.region} · {self.year} · {self.section}"

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id}


from objectivity.reports.federal_models import FederalEntry, FederalList  # noqa: E402  (the federal list's models)

__all__ = ["FederalEntry", "FederalList", "ReportText"]
