"""The audit log: every change users make (who, when, what, before/after) and every view of personal data."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from objectivity.authz.scope import ScopedQuerySet, ScopePaths
from objectivity.core.auditing import Action


class ValuesJSONField(models.JSONField):
    """A JSONField inserted as plain VALUES on PostgreSQL.

    Django's bulk_create packs rows into UNNEST arrays there, and psycopg then escapes every quote
    of every JSON document inside the array literal: 5 of 12 seconds of a 40,000-school registry
    import. A per-value placeholder makes Django use ordinary multi-row VALUES instead.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(_("who"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = ValuesJSONField(_("before"), null=True, blank=True)
    after = ValuesJSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    region = models.ForeignKey("orgs.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    municipality = models.ForeignKey(
        "orgs.Municipality", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey("orgs.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    scope_paths = ScopePaths(region="region", municipality="municipality", school="school")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%d.%m.%Y %H:%M} {self.actor_username} {self.action} {self.object_repr}"
