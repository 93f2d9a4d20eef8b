"""Assessments (оценочные процедуры) with versioned reference data, schedules, the control sample,
and imports of results: metadata here, pupil rows in one immutable Parquet file per import."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from objectivity.analysis.export_format import PERIODS, PROCEDURE_KINDS, SUBJECT_BY_CODE, SUBJECTS
from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class Procedure(models.TextChoices):
    VPR = "vpr", "ВПР"
    RPR = "rpr", "РПР"
    RDR = "rdr", "РДР"
    MPR = "mpr", "МПР"
    OGE = "oge", "ОГЭ"
    EGE = "ege", "ЕГЭ"


class Period(models.TextChoices):
    SPRING = "spring", _("spring")
    AUTUMN = "autumn", _("autumn")


class Form(models.TextChoices):
    PAPER = "paper", _("paper")
    COMPUTER = "computer", _("computer")


assert [c for c, _l in PROCEDURE_KINDS] == list(Procedure.values)
assert [c for c, _l in PERIODS] == list(Period.values)
SUBJECT_CHOICES = [(s.code, s.name) for s in SUBJECTS]


class Assessment(models.Model):
    """One work: year × procedure × grade («класс по программе») × subject × period."""

    procedure = models.CharField(_("procedure"), max_length=8, choices=Procedure.choices, default=Procedure.VPR)
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.SPRING)
    grade = models.PositiveSmallIntegerField(_("grade (by programme)"))
    subject = models.CharField(_("subject"), max_length=12, choices=SUBJECT_CHOICES)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices, default=Form.PAPER)

    class Meta:
        ordering = ["-year", "procedure", "period", "grade", "subject"]
        verbose_name = _("assessment")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "year", "period", "grade", "subject"], name="unique_assessment"
            )
        ]

    def __str__(self) -> str:
        subject = SUBJECT_BY_CODE[self.subject].name if self.subject in SUBJECT_BY_CODE else self.subject
        text = f"{self.get_procedure_display()} {self.year} · {subject} · {self.grade} класс"
        return text if self.period == Period.SPRING else f"{text} · {self.get_period_display()}"

    @property
    def subject_name(self) -> str:
        return SUBJECT_BY_CODE[self.subject].name if self.subject in SUBJECT_BY_CODE else self.subject

    @property
    def study_grade(self) -> int:
        """The pupils' grade: in autumn ВПР pupils write the previous grade's work."""
        return self.grade + 1 if self.period == Period.AUTUMN and self.procedure == Procedure.VPR else self.grade

    def reference(self) -> "ReferenceVersion | None":
        """The current (highest) version; from prefetched references when a list view prefetched them."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("references")
        if prefetched is not None:
            return max(prefetched, key=lambda r: r.version, default=None)
        return self.references.order_by("-version").first()


class ReferenceVersion(models.Model):
    """Reference data of an assessment; every edit adds a version, the highest is current."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="references")
    version = models.PositiveIntegerField(_("version"))
    max_total = models.PositiveSmallIntegerField(_("maximum primary score"), null=True, blank=True)
    cut3 = models.PositiveSmallIntegerField(_("lowest score for «3»"), null=True, blank=True)
    cut4 = models.PositiveSmallIntegerField(_("lowest score for «4»"), null=True, blank=True)
    cut5 = models.PositiveSmallIntegerField(_("lowest score for «5»"), null=True, blank=True)
    # [{"number": 1, "label": "1", "max": 1, "level": "Б", "auto": false}, …]
    columns = models.JSONField(_("scoring columns"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    inferred = models.BooleanField(_("inferred from the data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assessment", "-version"]
        verbose_name = _("reference data of a work")
        constraints = [models.UniqueConstraint(fields=["assessment", "version"], name="unique_reference_version")]

    def __str__(self) -> str:
        return f"{self.assessment} · v{self.version}"

    @property
    def cuts(self) -> tuple[int, int, int] | None:
        if self.cut3 is None or self.cut4 is None or self.cut5 is None:
            return None
        return (self.cut3, self.cut4, self.cut5)

    def column_max(self) -> list[int]:
        return [int(c["max"]) for c in self.columns]

    @property
    def levels_missing(self) -> bool:
        """Some scoring column has no level Б/П/В: the analysis estimates them from the region's data."""
        return any(not c.get("level") for c in self.columns)


class FederalWindow(models.Model):
    """The federal period in which schools set their own dates for a procedure."""

    procedure = models.CharField(_("procedure"), max_length=8, choices=Procedure.choices, default=Procedure.VPR)
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.SPRING)
    starts = models.DateField(_("from"))
    ends = models.DateField(_("to"))

    class Meta:
        ordering = ["-year", "procedure", "period"]
        verbose_name = _("federal window of a procedure")
        constraints = [models.UniqueConstraint(fields=["procedure", "year", "period"], name="unique_window")]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} {self.year}: {self.starts:%d.%m}–{self.ends:%d.%m}"


class ScheduleEntry(models.Model):
    """A line of a school's «график проведения»: which work, which class, which day."""

    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="schedule")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="schedule")
    class_label = models.CharField(_("class"), max_length=20, blank=True)
    date = models.DateField(_("date"))

    scope_paths = ScopePaths(
        region="school__municipality__region",
        municipality="school__municipality",
        school="school",
        assigned_school="school",
        assigned_work="assessment",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["date", "school__short_name", "class_label"]
        verbose_name = _("line of the schedule")
        constraints = [
            models.UniqueConstraint(fields=["school", "assessment", "class_label"], name="unique_schedule_line")
        ]

    def __str__(self) -> str:
        return f"{self.school.login} · {self.assessment} · {self.class_label} · {self.date:%d.%m.%Y}"

    def scope_chain(self) -> dict[str, int]:
        return self.school.scope_chain()


class ControlSample(models.Model):
    """A school in the sample of «ВПР с контролем объективности результатов» for one work."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="control_sample")
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="control_samples")

    scope_paths = ScopePaths(
        region="school__municipality__region",
        municipality="school__municipality",
        school="school",
        assigned_school="school",
        assigned_work="assessment",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "school__login"]
        verbose_name = _("school of the control sample")
        constraints = [models.UniqueConstraint(fields=["assessment", "school"], name="unique_control_sample")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.school.login}"

    def scope_chain(self) -> dict[str, int]:
        return self.school.scope_chain()


class ImportKind(models.TextChoices):
    REGIONAL = "regional", _("regional export («Проведение работы»)")
    SCHOOL = "school", _("school export («Индивидуальные результаты»)")
    NARROW = "narrow", _("short CSV (login, journal mark, score)")
    EXAM_PUPILS = "exam_pupils", _("ОГЭ/ЕГЭ results per pupil")
    EXAM_SCHOOLS = "exam_schools", _("ОГЭ/ЕГЭ results per school")


class ImportStatus(models.TextChoices):
    ACTIVE = "active", _("in use")
    REPLACED = "replaced", _("replaced")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ResultImport(models.Model):
    """One imported file of results: its pupil rows live in `parquet`, the original in `original`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="result_imports")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(_("kind of file"), max_length=12, choices=ImportKind.choices)
    school = models.ForeignKey(
        "orgs.School", on_delete=models.PROTECT, null=True, blank=True, related_name="result_imports"
    )
    original_name = models.CharField(_("file"), max_length=300)
    original = models.CharField(max_length=500)  # path under DATA_DIR
    parquet = models.CharField(max_length=500)  # path under DATA_DIR
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.ACTIVE)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reference = models.ForeignKey(ReferenceVersion, on_delete=models.PROTECT, related_name="+")
    summary = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    keep_files_until = models.DateField(_("files kept until"), null=True, blank=True)

    # An assignment reaches a school's own file of its work; a regional file holds every school and stays closed.
    scope_paths = ScopePaths(
        region="region", municipality=None, school=None, assigned_school="school", assigned_work="assessment"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import of results")
        constraints = [
            # A school's own export names its school; a file of the region names none (and sees no school's rows).
            models.CheckConstraint(
                condition=models.Q(kind="school", school__isnull=False)
                | (~models.Q(kind="school") & models.Q(school__isnull=True)),
                name="result_import_school_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status="withdrawn", withdrawn_at__isnull=False)
                | (~models.Q(status="withdrawn") & models.Q(withdrawn_at__isnull=True)),
                name="result_import_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({timezone.localtime(self.created_at):%d.%m.%Y %H:%M})"

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id}

    @property
    def problems_parquet(self) -> str:
        """The row problems, written beside the pupil rows by the importer (path under DATA_DIR)."""
        return self.parquet.removesuffix(".parquet") + ".problems.parquet"
