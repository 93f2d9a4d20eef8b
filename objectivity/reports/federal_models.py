"""The federal list of schools with markers, as a region receives it (objectivity.reports.federal_import).

A FederalList is one imported file; its entries are the region's list of the years the file holds. A later file
with the same years replaces those years' entries (the earlier lists stay, with their files, as history; the audit
log names what was replaced).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class FederalList(models.Model):
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="federal_lists")
    file_name = models.CharField(_("file"), max_length=300)
    original = models.CharField(max_length=500, blank=True)  # path of the kept file under DATA_DIR
    sha256 = models.CharField(max_length=64, db_index=True)
    # {"fields": {"year": 0, "login": 1, …}, "works": {"4-ru": 4, …}, "header": [...]}: column indexes as mapped
    mapping = models.JSONField(default=dict)
    years = models.JSONField(default=list)
    summary = models.JSONField(default=dict)  # counts, the schools not in the registry, rows of other regions
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(region="region", municipality=None, school=None)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("federal list")

    def __str__(self) -> str:
        return self.file_name

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id}


class FederalEntry(models.Model):
    """One school of one year of the federal list: the works it is marked on, with the cells as given."""

    federal_list = models.ForeignKey(FederalList, on_delete=models.CASCADE, related_name="entries")
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    login = models.CharField(_("login"), max_length=20)
    municipality_name = models.CharField(_("municipality in the list"), max_length=200, blank=True)
    school_name = models.CharField(_("school in the list"), max_length=500, blank=True)
    school = models.ForeignKey("orgs.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    marks = models.JSONField(default=dict)  # {"4-ru": "1", …}: the marked works, each with its cell as given
    markers = models.PositiveSmallIntegerField(_("number of markers"), null=True, blank=True)

    # A school of the list that the registry does not have is seen at regional level only.
    scope_paths = ScopePaths(region="region", municipality="school__municipality", school="school")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "municipality_name", "school_name", "login"]
        verbose_name = _("federal list entry")
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "login"], name="federal_entry_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.login}"

    def scope_chain(self) -> dict[str, int]:
        return self.school.scope_chain() if self.school is not None else {"region": self.region_id}
