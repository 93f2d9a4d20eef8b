"""Start pages say what needs attention: the year's list in the viewer's scope with signs by work and links, what is
new since the previous login, the annual cycle's steps; the school card and a school's start page show the school's
own signs with links to its evidence."""

import datetime

from django.urls import reverse
from django.utils import timezone

from objectivity.detection.models import DetectionRun
from tests.conftest import PASSWORD
from tests.reports.test_list import listed  # noqa: F401  (a fixture)

HOME = reverse("home")


def test_the_region_sees_the_list_by_method_and_by_work_with_links_to_the_findings(listed, client):  # noqa: F811
    client.force_login(listed.users["region_analyst"])
    page = client.get(HOME).content.decode()
    panel = page[page.index('data-test="list-panel"') :]
    assert "Перечень 2026" in panel
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    maths = run.assessments.get(subject="ma")
    assert reverse("work-findings", args=[run.pk, maths.pk]) in panel  # every work links to its findings
    assert panel.index("Математика, 4 класс") < panel.index("Русский язык, 5 класс")
    assert page.index('data-test="list-panel"') < page.index("ОО в реестре")  # attention first, overview after


def test_the_cycle_shows_done_and_due_steps_with_links(listed, client):  # noqa: F811
    client.force_login(listed.users["region_analyst"])
    response = client.get(HOME)
    steps = {step.key: state for step, state in response.context["cycle"]}
    year = response.context["cycle_year"]
    assert set(steps) == {"results", "detection", "list"}
    assert steps["results"].done is False and steps["results"].url == reverse("results-import")
    assert steps["detection"].done is (year in (2025, 2026))
    assert 'data-test="cycle"' in response.content.decode()


def test_a_municipality_sees_its_own_counts_and_a_school_its_own_signs(listed, client):  # noqa: F811
    client.force_login(listed.users["municipal_coordinator"])
    counts = client.get(HOME).context["attention"][0]
    assert "МКОУ" not in counts and "Перечень 2026" in counts
    client.force_login(listed.users["school_admin"])
    page = client.get(HOME).content.decode()
    assert "Математика, 4 класс: признак сочетания слоёв, риск высокий" in page
    assert "Русский язык, 5 класс: завышенные значения среднего балла" in page
    assert "/detection/runs/" not in page  # a school cannot open the evidence pages: no links to them


def test_the_school_card_links_each_sign_to_the_evidence_page(listed, client):  # noqa: F811
    client.force_login(listed.users["municipal_coordinator"])
    page = client.get(reverse("school-detail", args=[listed.school.pk])).content.decode()
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    assert reverse("school-findings", args=[run.pk, listed.school.pk]) in page
    assert reverse("school-report", args=[listed.school.pk, run.assessments.get(subject="ma").pk]) in page
    assert "Перечень 2025" in page and "Перечень 2024" not in page  # the years with a run


def test_what_is_new_since_the_previous_login(listed, client):  # noqa: F811
    user = listed.users["region_analyst"]
    user.last_login = timezone.now() - datetime.timedelta(days=1)
    user.set_password(PASSWORD)
    user.save()
    DetectionRun.objects.filter(year=2026).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert 'data-test="new-since"' in client.get(HOME).content.decode()
    client.logout()
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})  # the run is older than this
    assert 'data-test="new-since"' not in client.get(HOME).content.decode()
