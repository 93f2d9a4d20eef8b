"""Background jobs with progress, shared by every long operation (web and CLI)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    params = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_paths = ScopePaths(region="region", municipality=None, school=None)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id} if self.region_id else {}


class CalendarDay(models.Model):
    """A day of the production calendar set by hand: overrides the shipped calendar (`objectivity.core.workdays`)."""

    date = models.DateField(_("date"), unique=True)
    working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("day of the production calendar")
        verbose_name_plural = _("days of the production calendar")

    def __str__(self) -> str:
        return f"{self.date.isoformat()}: {'working' if self.working else 'non-working'}"
