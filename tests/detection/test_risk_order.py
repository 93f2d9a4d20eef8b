"""A work's findings sorted by risk go by level (высокий, средний, низкий, then «мало данных»), not by the codes'
letters, which put «низкий» between «высокий» and «средний»; the first click puts the highest first."""

from django.urls import reverse

from objectivity.detection.actions import stored_settings
from objectivity.detection.models import DetectionRun, Finding
from objectivity.results.models import Assessment
from tests.factories import SchoolFactory


def test_sorting_by_risk_goes_by_level(world, client):
    work = Assessment.objects.get_or_create(year=2026, grade=4, subject="ma")[0]
    run = DetectionRun.objects.create(
        region=world.region,
        year=2026,
        thresholds=stored_settings(by=world.users["region_admin"], region=world.region, year=2026),
        status="done",
    )
    run.assessments.add(work)
    for login, risk, status in (("sch229001", "low", "ok"), ("sch229002", "high", "ok"),
                                ("sch229003", "low", "too_small"), ("sch229004", "medium", "ok")):  # fmt: skip
        school = SchoolFactory(municipality=world.municipality, login=login)
        Finding.objects.create(run=run, assessment=work, school=school, n=20, status=status, probability=0, risk=risk)
    client.force_login(world.users["region_analyst"])
    url = reverse("work-findings", args=[run.pk, work.pk])
    logins = [f.school.login for f in client.get(url, {"sort": "risk"}).context["page"].object_list]
    assert logins == ["sch229002", "sch229004", "sch229001", "sch229003"]
    logins = [f.school.login for f in client.get(url, {"sort": "-risk"}).context["page"].object_list]
    assert logins == ["sch229003", "sch229001", "sch229004", "sch229002"]
