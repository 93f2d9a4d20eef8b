"""Users, their role memberships (role × scope), their assignments (role × school or work × days) and failed
logins for throttling."""

import datetime
import functools
import operator

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from objectivity.authz.roles import ASSIGNABLE_ROLES, ROLES, role_label

LEVEL_CHOICES = [
    ("federal", _("federal")),
    ("region", _("region")),
    ("municipality", _("municipality")),
    ("school", _("school")),
]


class User(AbstractUser):
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=300, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    personal_data_consent_at = models.DateTimeField(_("consent to personal data processing"), null=True, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")

    def active_memberships(self) -> list["Membership"]:
        cached = getattr(self, "_memberships_cache", None)
        if cached is None:
            cached = list(self.memberships.select_related("region", "municipality__region", "school__municipality"))
            self._memberships_cache = cached
        return cached

    def forget_memberships(self) -> None:
        self.__dict__.pop("_memberships_cache", None)

    def assignments_on(self, day: datetime.date) -> list["Assignment"]:
        """The assignments in force on `day` (kept for the request, per day)."""
        cache = self.__dict__.setdefault("_assignments_cache", {})
        if day not in cache:
            found = self.assignments.filter(starts__lte=day, ends__gte=day).select_related("school", "assessment")
            cache[day] = list(found)
        return cache[day]

    def forget_assignments(self) -> None:
        self.__dict__.pop("_assignments_cache", None)

    @property
    def display_name(self) -> str:
        parts = [self.last_name, self.first_name, self.middle_name]
        return " ".join(p for p in parts if p) or self.username


def _scope_matches_level() -> models.Q:
    scopes = ("region", "municipality", "school")
    return functools.reduce(
        operator.or_,
        (
            models.Q(level=level, **{f"{scope}__isnull": scope != level for scope in scopes})
            for level in ("federal", *scopes)
        ),
    )


class Membership(models.Model):
    """A role held by a user in a scope: federal, a region, a municipality or a school."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=40, choices=[(r.code, r.label) for r in ROLES.values()])
    level = models.CharField(_("level"), max_length=20, choices=LEVEL_CHOICES)
    region = models.ForeignKey("orgs.Region", on_delete=models.CASCADE, null=True, blank=True)
    municipality = models.ForeignKey("orgs.Municipality", on_delete=models.CASCADE, null=True, blank=True)
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("role of a user")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "level", "region", "municipality", "school"],
                name="unique_membership",
            ),
            # The scope object of the level, and only it: a school membership without a school would otherwise
            # pass validation done elsewhere and reach the row gate.
            models.CheckConstraint(condition=_scope_matches_level(), name="membership_scope_matches_level"),
        ]

    def __str__(self) -> str:
        return f"{role_label(self.role)} — {self.scope_label}"

    @property
    def scope_object(self):
        return {"federal": None, "region": self.region, "municipality": self.municipality, "school": self.school}[
            self.level
        ]

    @property
    def scope_id(self) -> int | None:
        obj = self.scope_object
        return obj.pk if obj is not None else None

    @property
    def scope_label(self) -> str:
        obj = self.scope_object
        return str(obj) if obj is not None else str(_("Russian Federation"))

    @property
    def region_id_of_scope(self) -> int | None:
        if self.level == "region":
            return self.region_id
        if self.level == "municipality" and self.municipality is not None:
            return self.municipality.region_id
        if self.level == "school" and self.school is not None:
            return self.school.municipality.region_id
        return None


class AssignmentKind(models.TextChoices):
    SCHOOL = "school", _("a school")
    WORK = "work", _("a work at a school")


class Assignment(models.Model):
    """A person assigned, in a role, to a school or to a work at a school, from one day to another: an observer's
    school on the day of a work, an expert's works. The row gate shows the assigned rows on those days only."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=40, choices=[(code, ROLES[code].label) for code in ASSIGNABLE_ROLES])
    kind = models.CharField(_("assigned to"), max_length=10, choices=AssignmentKind.choices)
    school = models.ForeignKey("orgs.School", on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(
        "results.Assessment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    starts = models.DateField(_("from"))
    ends = models.DateField(_("to"))
    assigned_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts", "user"]
        verbose_name = _("assignment")
        constraints = [
            # A school assignment names no work; a work assignment names its work (at its school). Otherwise the
            # gate would read a school assignment with a stray work as one work only, or a work one as the school.
            models.CheckConstraint(
                condition=models.Q(kind=AssignmentKind.SCHOOL, assessment__isnull=True)
                | models.Q(kind=AssignmentKind.WORK, assessment__isnull=False),
                name="assignment_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(ends__gte=models.F("starts")), name="assignment_ends_after_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{role_label(self.role)} — {self.target_label}, {self.starts:%d.%m.%Y}–{self.ends:%d.%m.%Y}"

    @property
    def target_label(self) -> str:
        """What is assigned, in words: the school, or the work at the school."""
        return str(self.school) if self.assessment is None else f"{self.assessment}, {self.school}"

    def scope_chain(self) -> dict[str, int]:
        return self.school.scope_chain()
