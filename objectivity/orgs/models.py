"""Organisations: region → municipalities → schools (ОО), and the bodies plans name as responsible."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from objectivity.authz.scope import ScopedQuerySet, ScopePaths


class SchoolType(models.TextChoices):
    SOSH = "sosh", _("Secondary school (СОШ)")
    OOSH = "oosh", _("Basic school (ООШ)")
    NOSH = "nosh", _("Primary school (НОШ)")
    LYCEUM = "lyceum", _("Lyceum")
    GYMNASIUM = "gymnasium", _("Gymnasium")
    BOARDING = "boarding", _("Boarding school")
    CENTRE = "centre", _("Education centre")
    EVENING = "evening", _("Evening school")
    SPECIAL = "special", _("Special (correctional) school")
    OTHER = "other", _("Other")


# Short forms for tables, where the full names would crowd the columns.
SCHOOL_TYPE_SHORT = {
    "sosh": "СОШ",
    "oosh": "ООШ",
    "nosh": "НОШ",
    "lyceum": "лицей",
    "gymnasium": "гимназия",
    "boarding": "интернат",
    "centre": "ЦО",
    "evening": "В(С)ОШ",
    "special": "коррекц.",
    "other": "—",
}


class Settlement(models.TextChoices):
    CITY = "city", _("City")
    TOWN = "town", _("Urban-type settlement")
    VILLAGE = "village", _("Rural settlement")


class BodyKind(models.TextChoices):
    OIV = "oiv", "ОИВ"
    COKO = "coko", "ЦОКО"
    IRO = "iro", "ИРО"
    CNPPM = "cnppm", "ЦНППМ"
    RCOI = "rcoi", "РЦОИ"
    MOUO = "mouo", "МОУО"
    MMS = "mms", "ММС"


REGION_LEVEL_BODIES = {BodyKind.OIV, BodyKind.COKO, BodyKind.IRO, BodyKind.CNPPM, BodyKind.RCOI}
MUNICIPAL_LEVEL_BODIES = {BodyKind.MOUO, BodyKind.MMS}
GRADES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)


class Region(models.Model):
    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=200)

    scope_paths = ScopePaths(region="pk", municipality="municipalities", school="municipalities__schools")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = pgettext_lazy("model", "region")

    def __str__(self) -> str:
        return self.name

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.pk}


class Municipality(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities")
    code = models.CharField(_("code"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)

    scope_paths = ScopePaths(region="region", municipality="pk", school="schools")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "municipality")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unique_municipality_name")]

    def __str__(self) -> str:
        return self.name

    def scope_chain(self) -> dict[str, int]:
        return {"region": self.region_id, "municipality": self.pk}


class School(models.Model):
    login = models.CharField(_("login"), max_length=32, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=pgettext_lazy("model", "municipality"),
    )
    full_name = models.CharField(_("full name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=200)
    school_type = models.CharField(_("type"), max_length=20, choices=SchoolType.choices, default=SchoolType.SOSH)
    settlement = models.CharField(_("settlement"), max_length=20, choices=Settlement.choices, default=Settlement.CITY)
    is_small = models.BooleanField(_("small school (малокомплектная)"), default=False)
    is_branch = models.BooleanField(_("branch"), default=False)
    is_advanced = models.BooleanField(_("advanced study of subjects"), default=False)
    pupils_by_grade = models.JSONField(_("pupils per grade"), default=dict, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = ScopePaths(
        region="municipality__region", municipality="municipality", school="pk", assigned_school="pk"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["municipality__name", "short_name"]
        verbose_name = pgettext_lazy("model", "school")
        indexes = [models.Index(fields=["short_name"]), models.Index(fields=["municipality", "short_name"])]

    def __str__(self) -> str:
        return f"{self.short_name} ({self.login})"

    def scope_chain(self) -> dict[str, int]:
        return {
            "region": self.municipality.region_id,
            "municipality": self.municipality_id,
            "school": self.pk,
        }

    @property
    def pupils_total(self) -> int:
        return sum(int(n) for n in self.pupils_by_grade.values())


class Body(models.Model):
    """A body plans name as responsible: ОИВ, ЦОКО, ИРО/ЦНППМ, РЦОИ (region) or МОУО, ММС (municipality)."""

    kind = models.CharField(_("kind"), max_length=10, choices=BodyKind.choices)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="bodies")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="bodies",
        null=True,
        blank=True,
        verbose_name=pgettext_lazy("model", "municipality"),
    )

    scope_paths = ScopePaths(region="region", municipality="municipality", school="municipality__schools")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["region", "municipality__name", "kind", "name"]
        verbose_name = _("body")
        constraints = [
            # A municipal body (МОУО, ММС) belongs to a municipality; a regional one to none.
            models.CheckConstraint(
                condition=models.Q(kind__in=sorted(MUNICIPAL_LEVEL_BODIES), municipality__isnull=False)
                | models.Q(kind__in=sorted(REGION_LEVEL_BODIES), municipality__isnull=True),
                name="body_municipality_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def scope_chain(self) -> dict[str, int]:
        chain = {"region": self.region_id}
        if self.municipality_id:
            chain["municipality"] = self.municipality_id
        return chain
