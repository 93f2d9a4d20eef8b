"""Detection settings (versioned per year), runs with the exact settings and data they used, findings."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class DetectionSettings(models.Model):
    """Thresholds of one year for a region; every change is a new version, runs keep the one they used."""

    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, related_name="detection_settings")
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    values = models.JSONField(_("thresholds"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    scope_paths = ScopePaths(region="region", municipality=None, school=None)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "version"], name="unique_detection_settings_version")
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.year} · v{self.version}"

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id}


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class DetectionRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="detection_runs")
    year = models.PositiveSmallIntegerField(_("year"))
    thresholds = models.ForeignKey(DetectionSettings, on_delete=models.PROTECT, related_name="runs")
    assessments = models.ManyToManyField("results.Assessment", related_name="detection_runs")
    # The data the run read: [{"assessment": id, "imports": [{"id", "sha256"}]}], so it can be repeated.
    data_versions = models.JSONField(default=list)
    method = models.CharField(_("method"), max_length=40, default="fioco-1")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    findings_csv = models.CharField(max_length=500, blank=True)  # path under DATA_DIR
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Municipal users see the runs of their region; the findings inside are filtered to their schools.
    scope_paths = ScopePaths(region="region", municipality="region__municipalities", school=None)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("detection run")

    def __str__(self) -> str:
        return f"{self.year} · {self.created_at:%d.%m.%Y %H:%M}"

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id}

    def imports_read(self, assessment_id: int) -> list[str]:
        """Ids of the imports whose rows this run read for a work."""
        for version in self.data_versions:
            if version["assessment"] == assessment_id:
                return [item["id"] for item in version["imports"]]
        return []

    def overtaken_works(self) -> list[int]:
        """Works of the run whose imports in use changed after it (a re-import, a withdrawal): its findings
        stay those of the data it read, and its pages say so."""
        from objectivity.results.models import ImportStatus, ResultImport

        active: dict[int, set[str]] = {}
        for work_id, import_id in ResultImport.objects.filter(
            region_id=self.region_id,
            assessment_id__in=[v["assessment"] for v in self.data_versions],
            status=ImportStatus.ACTIVE,
        ).values_list("assessment_id", "pk"):
            active.setdefault(work_id, set()).add(str(import_id))
        return [
            v["assessment"]
            for v in self.data_versions
            if {i["id"] for i in v["imports"]} != active.get(v["assessment"], set())
        ]


class Finding(models.Model):
    """One school × work of a run: the markers, the risk words and the reasons with numbers."""

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="findings")
    assessment = models.ForeignKey("results.Assessment", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="findings")
    n = models.PositiveIntegerField(_("participants"))
    status = models.CharField(_("status"), max_length=12)
    fioco_mean = models.SmallIntegerField(null=True, blank=True)
    fioco_spearman = models.SmallIntegerField(null=True, blank=True)
    fioco_cohort = models.CharField(max_length=4, blank=True)
    probability = models.FloatField()
    risk = models.CharField(_("risk"), max_length=10)
    flagged = models.BooleanField(_("signs found"), default=False)
    reasons = models.TextField(_("reasons"), blank=True)
    layers_seen = models.PositiveSmallIntegerField(_("layers with signs"), default=0)  # counted from details
    details = models.JSONField(default=dict)  # the numbers behind the markers, for the school page

    scope_paths = ScopePaths(
        region="run__region",
        municipality="school__municipality",
        school="school",
        assigned_school="school",
        assigned_work="assessment",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["school__municipality__name", "school__short_name"]
        # A work's list of a run (with its filter) and a school's evidence page (every work of one school).
        indexes = [models.Index(fields=["run", "assessment", "flagged"]), models.Index(fields=["run", "school"])]
        constraints = [models.UniqueConstraint(fields=["run", "assessment", "school"], name="unique_finding")]

    def __str__(self) -> str:
        return f"{self.school.login} · {self.assessment}"

    def scope_chain(self) -> dict[str, int]:
        return self.school.scope_chain()


class EvidenceFigures(models.Model):
    """What a school's evidence page draws for one work and one unit (the region, a municipality «m<id>», a
    school «s<id>»), computed from the rows the run read (objectivity.detection.evidence)."""

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="evidence")
    assessment = models.ForeignKey("results.Assessment", on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=24)
    figures = models.JSONField(default=dict)

    scope_paths = ScopePaths(region="run__region", municipality=None, school=None)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "assessment", "unit"], name="unique_evidence_figures"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.assessment_id} · {self.unit}"

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.run.region_id}
