"""What each role sees first: a summary of its own scope."""

from django.db.models import Count, Q

from objectivity.authz.policy import can
from objectivity.authz.roles import IMPORT_REGISTRY, ROLES, START_PAGE_PRIORITY, VIEW_ORGS
from objectivity.core.models import Job
from objectivity.orgs.models import Body, Municipality, School


def start_page_kind(user) -> str:
    kinds = {ROLES[m.role].start_page for m in user.active_memberships() if m.role in ROLES}
    return next((k for k in START_PAGE_PRIORITY if k in kinds), "none")


def region_summary(user) -> dict:
    schools = School.objects.visible_to(user, VIEW_ORGS)
    municipalities = (
        Municipality.objects.visible_to(user, VIEW_ORGS)
        .annotate(
            n=Count("schools"),
            small=Count("schools", filter=Q(schools__is_small=True)),
            village=Count("schools", filter=Q(schools__settlement="village")),
        )
        .order_by("name")
    )
    return {
        "school_count": schools.count(),
        "municipalities": municipalities,
        "bodies": Body.objects.visible_to(user, VIEW_ORGS).filter(municipality__isnull=True),
        "by_type": schools.values("school_type").annotate(n=Count("pk")).order_by("-n"),
        "max_in_municipality": max((m.n for m in municipalities), default=0),
        "jobs": Job.objects.visible_to(user, VIEW_ORGS)[:5],  # the region's recent work; opening one asks more
        "can_import": can(user, IMPORT_REGISTRY),
    }


def municipality_summary(user) -> dict:
    memberships = [m for m in user.active_memberships() if m.level == "municipality"]
    municipality = memberships[0].municipality
    schools = School.objects.filter(municipality=municipality)
    return {
        "municipality": municipality,
        "school_count": schools.count(),
        "small_count": schools.filter(is_small=True).count(),
        "village_count": schools.filter(settlement="village").count(),
        "bodies": Body.objects.filter(municipality=municipality),
        "schools": schools.order_by("short_name")[:15],
    }


def school_summary(user) -> dict:
    memberships = [m for m in user.active_memberships() if m.level == "school"]
    school = memberships[0].school
    grades = sorted((int(g), n) for g, n in school.pupils_by_grade.items())
    return {"school": school, "grades": grades, "max_grade_pupils": max((n for _, n in grades), default=0)}


def scope_summary(user) -> dict:
    return {"memberships": user.active_memberships()}


SUMMARIES = {
    "region": region_summary,
    "municipality": municipality_summary,
    "school": school_summary,
    "observer": scope_summary,
    "expert": scope_summary,
    "none": scope_summary,
}
