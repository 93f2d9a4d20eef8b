"""Plans of measures: a plan (region, municipality or school; a school year), its approved versions, its measures,
and the executors' reports with their evidence files.

A measure's due date is never typed: it is read from the deadline's text, the plan's school year, the procedure
date (for deadlines in working days) and the production calendar (`plans.due`), and kept in `due_date` so lists
and reminders can filter on it. Overdue is computed from it and the status (`Measure.is_overdue`).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from objectivity.authz.scope import ScopedQuerySet, ScopePaths

DEFAULT_TITLE = "План мероприятий (дорожная карта) по повышению объективности оценки образовательных результатов"


class Level(models.TextChoices):
    REGION = "region", _("region")
    MUNICIPALITY = "municipality", pgettext_lazy("level", "municipality")
    SCHOOL = "school", pgettext_lazy("level", "school")


class Status(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    REPORTED = "reported", _("reported")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned")
    CANCELLED = "cancelled", _("cancelled")


# Statuses in which the executor still owes something: only these can be overdue or be reminded of.
OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS, Status.RETURNED)
CLOSED_STATUSES = (Status.ACCEPTED, Status.CANCELLED)

# Who takes part, as plans write it; a measure may add its own words.
PARTICIPANTS = (
    "педагоги",
    "обучающиеся",
    "родители (законные представители)",
    "администрация",
    "ММС",
    "МОУО",
    "общественные наблюдатели",
    "эксперты",
)

# Forms of report plans name; a measure may write its own.
REPORT_FORMS = (
    "протокол",
    "приказ",
    "аналитическая справка",
    "информационная справка",
    "отчёт",
    "план",
    "методические рекомендации",
    "сертификат",
)


class Plan(models.Model):
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="plans")
    municipality = models.ForeignKey(
        "orgs.Municipality",
        on_delete=models.PROTECT,
        related_name="plans",
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("model", "municipality"),
    )
    school = models.ForeignKey(
        "orgs.School",
        on_delete=models.PROTECT,
        related_name="plans",
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("model", "school"),
    )
    school_year = models.PositiveSmallIntegerField(_("school year"), help_text=_("The year the school year starts in"))
    title = models.TextField(_("title"), max_length=1000, default=DEFAULT_TITLE)
    template_key = models.CharField(_("template"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-school_year", "level", "region", "municipality__name", "school__short_name"]
        verbose_name = _("plan of measures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="region", municipality__isnull=True, school__isnull=True)
                | models.Q(level="municipality", municipality__isnull=False, school__isnull=True)
                | models.Q(level="school", municipality__isnull=False, school__isnull=False),
                name="plan_scope_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_label} · {self.school_year_label}"

    def scope_chain(self) -> dict[str, int]:
        chain = {"region": self.region_id}
        if self.municipality_id:
            chain["municipality"] = self.municipality_id
        if self.school_id:
            chain["school"] = self.school_id
        return chain

    @property
    def scope_object(self):
        return self.school or self.municipality or self.region

    @property
    def owner_label(self) -> str:
        if self.school is not None:
            return self.school.short_name
        return str(self.municipality or self.region)

    @property
    def school_year_label(self) -> str:
        return f"{self.school_year}/{(self.school_year + 1) % 100:02d}"

    @property
    def year_start(self) -> datetime.date:
        return datetime.date(self.school_year, 9, 1)

    @property
    def year_end(self) -> datetime.date:
        return datetime.date(self.school_year + 1, 8, 31)

    def current_version(self) -> "PlanVersion | None":
        return self.versions.order_by("-number").first()


class PlanVersion(models.Model):
    """The plan as approved by an order: version 1 when it is made, a new one for each amendment. Each keeps its
    measures as they were (`measures`, a list of dicts), so history survives later edits."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    order_number = models.CharField(_("order number"), max_length=50, blank=True)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    order_body = models.CharField(_("approved by"), max_length=300, blank=True)
    changes = models.TextField(_("what changed"), max_length=2000, blank=True)
    measures = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_paths = ScopePaths(region="plan__region", municipality="plan__municipality", school="plan__school")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("version of a plan")
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.number}"

    def scope_chain(self) -> dict[str, int]:
        return self.plan.scope_chain()

    @property
    def order_label(self) -> str:
        """«Приказ Минобразования от 01.09.2026 № 123», or empty when no order is given."""
        parts = [self.order_body]
        if self.order_date:
            parts.append(f"от {self.order_date:%d.%m.%Y}")
        if self.order_number:
            parts.append(f"№ {self.order_number}")
        return " ".join(p for p in parts if p)


class Measure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveIntegerField(_("position"), default=0)
    section_number = models.CharField(_("section number"), max_length=20, blank=True)
    section_title = models.TextField(_("section"), max_length=1000, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.TextField(_("measure"), max_length=3000)
    deadline_text = models.CharField(_("deadline"), max_length=300, blank=True)
    procedure_date = models.DateField(
        _("date of the procedure"),
        null=True,
        blank=True,
        help_text=_("For a deadline in working days before or after a procedure"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True, editable=False, db_index=True)
    responsible = models.TextField(_("responsible"), max_length=1000, blank=True)
    executors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="plan_measures", verbose_name=_("executors")
    )
    bodies = models.ManyToManyField("orgs.Body", blank=True, related_name="plan_measures", verbose_name=_("bodies"))
    participants = models.CharField(_("participants"), max_length=500, blank=True)
    result = models.TextField(_("expected result"), max_length=2000, blank=True)
    report_form = models.CharField(_("form of report"), max_length=200, blank=True)
    schools = models.ManyToManyField("orgs.School", blank=True, related_name="plan_measures", verbose_name=_("schools"))
    assessments = models.ManyToManyField(
        "results.Assessment", blank=True, related_name="plan_measures", verbose_name=_("works")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    cancel_reason = models.TextField(_("reason for cancelling"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(region="plan__region", municipality="plan__municipality", school="plan__school")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("measure")
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        title = self.title if len(self.title) <= 80 else self.title[:79] + "…"
        return f"{self.full_number} {title}".strip()

    @property
    def full_number(self) -> str:
        """«3.1» from section «3» and measure «1»; «I.1.» from «I.» and «1.»: never «31»."""
        section, number = self.section_number.strip(), self.number.strip()
        if not section or not number:
            return number
        return f"{section}{number}" if section.endswith(".") else f"{section}.{number}"

    def scope_chain(self) -> dict[str, int]:
        return self.plan.scope_chain()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """Overdue: still owed (planned, in progress or returned) and its due day has passed."""
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today


class ExecutionReport(models.Model):
    """«Отчёт об исполнении»: what the executor filed, and the controller's decision on it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("awaiting a decision")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reports")
    comment = models.TextField(_("comment"), max_length=5000)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    scope_paths = ScopePaths(
        region="measure__plan__region", municipality="measure__plan__municipality", school="measure__plan__school"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "filed_at", "pk"]
        verbose_name = _("execution report")

    def __str__(self) -> str:
        return f"{self.measure} · {self.filed_at:%d.%m.%Y}"

    def scope_chain(self) -> dict[str, int]:
        return self.measure.plan.scope_chain()


class EvidenceFile(models.Model):
    """A file attached to a report: kept under DATA_DIR/uploads/plans, served only through a checked view, removed
    when `keep_until` passes (`objectivity plans purge-evidence`)."""

    report = models.ForeignKey(ExecutionReport, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("file"), max_length=200)
    path = models.CharField(max_length=500)  # relative to UPLOAD_DIR
    kind = models.CharField(_("type"), max_length=10)  # pdf, docx, xlsx, png, jpeg: read from the content
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    keep_until = models.DateField(_("kept until"))

    scope_paths = ScopePaths(
        region="report__measure__plan__region",
        municipality="report__measure__plan__municipality",
        school="report__measure__plan__school",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "pk"]
        verbose_name = _("evidence file")

    def __str__(self) -> str:
        return self.name

    def scope_chain(self) -> dict[str, int]:
        return self.report.measure.plan.scope_chain()


class ReminderSent(models.Model):
    """One reminder e-mailed to a person about a measure on a day: `send-reminders` sends each at most once a day."""

    class Kind(models.TextChoices):
        DUE = "due", _("falls due soon")
        OVERDUE = "overdue", _("overdue")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reminders")
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "user", "measure"]
        verbose_name = _("reminder sent")
        constraints = [models.UniqueConstraint(fields=["user", "measure", "day"], name="one_reminder_a_day")]

    def __str__(self) -> str:
        return f"{self.user} · {self.measure_id} · {self.day}"
