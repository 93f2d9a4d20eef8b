"""Detection settings (versioned per year), runs with the exact settings and data they used, findings."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from objectivity.analysis import wording
from objectivity.analysis.weights import EQUAL_METHOD, FITTED_METHOD_PREFIX
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
        verbose_name = _("detection thresholds")
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
    # Which layer weights the combination had (objectivity.analysis.weights.combination_method); «fioco-1» on
    # runs made before it was recorded.
    method = models.CharField(_("method"), max_length=40, blank=True)
    # objectivity.analysis.parameters.METHOD_VERSION of the analysis that ran; empty on runs made before it was
    # recorded (their findings keep words, not codes).
    method_version = models.CharField(_("method version"), max_length=20, blank=True)
    # Every parameter the analysis used, by key: the thresholds of the settings version and the combination's
    # rules (objectivity.analysis.parameters.recorded); empty on runs made before it was recorded.
    parameters = models.JSONField(default=dict)
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
        return f"{self.year} · {timezone.localtime(self.created_at):%d.%m.%Y %H:%M}"

    @property
    def method_words(self) -> str:
        """How the run combined its evidence layers, in words (the code «layers-hmp-equal» is for the files)."""
        if self.method == EQUAL_METHOD:
            return str(_("the harmonic mean of their p-values with equal weights"))
        if self.method.startswith(FITTED_METHOD_PREFIX):
            fitted = _("the harmonic mean of their p-values with weights fitted on real exports (set %(set)s)")
            return str(fitted) % {"set": self.method.removeprefix(FITTED_METHOD_PREFIX)}
        return str(_("the method «%(code)s»")) % {"code": self.method}

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


class Risk(models.TextChoices):
    """Codes of the risk a finding carries; the words come from objectivity.analysis.wording."""

    HIGH = wording.HIGH, wording.RISK_WORDS[wording.HIGH]
    MEDIUM = wording.MEDIUM, wording.RISK_WORDS[wording.MEDIUM]
    LOW = wording.LOW, wording.RISK_WORDS[wording.LOW]


class Finding(models.Model):
    """One school × work of a run: the markers, the risk and the reasons as codes with numbers (words are rendered
    where they are shown: objectivity.analysis.wording)."""

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="findings")
    assessment = models.ForeignKey("results.Assessment", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="findings")
    n = models.PositiveIntegerField(_("participants"))
    status = models.CharField(_("status"), max_length=12)
    fioco_mean = models.SmallIntegerField(null=True, blank=True)
    fioco_spearman = models.SmallIntegerField(null=True, blank=True)
    fioco_cohort = models.CharField(max_length=4, blank=True)
    probability = models.FloatField()
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices)
    flagged = models.BooleanField(_("signs found"), default=False)
    # [{"code": "fioco_mean", "mean": 17.2, …}, {"code": "journal", …}]: the fired markers and signalling layers
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # The words of a run made before codes were stored (shown as they are); empty otherwise.
    legacy_reasons = models.TextField(blank=True)
    layers_seen = models.PositiveSmallIntegerField(_("layers with signs"), default=0)  # counted from details
    # The numbers behind the markers and each layer's p, statistic and explanation item, for the school page.
    details = models.JSONField(default=dict)

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
        verbose_name = _("finding")
        # A work's list of a run (with its filter) and a school's evidence page (every work of one school); the
        # schools with a sign of either method in a run, read from the index alone: a finding's row is kilobytes of
        # details, and the list asks this of three runs per request (150 → 45 ms a page, docs/benchmarks.md §10).
        indexes = [
            models.Index(fields=["run", "assessment", "flagged"]),
            models.Index(fields=["run", "school"]),
            models.Index(
                fields=["run", "flagged", "fioco_mean", "fioco_spearman", "fioco_cohort", "school"],
                name="finding_signs_of_a_run",
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["run", "assessment", "school"], name="unique_finding")]

    def __str__(self) -> str:
        return f"{self.school.login} · {self.assessment}"

    @property
    def risk_text(self) -> str:
        return wording.risk_word(self.risk)

    @property
    def reasons_text(self) -> str:
        """What was seen, in words: the legacy words of an old run, else the reasons rendered."""
        return self.legacy_reasons or wording.reasons_text(self.reasons)

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
        verbose_name = _("figures of the evidence")
        constraints = [
            models.UniqueConstraint(fields=["run", "assessment", "unit"], name="unique_evidence_figures"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.assessment_id} · {self.unit}"

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.run.region_id}
