"""The production calendar's page: a year's grids and counts for everyone with a role; changes by the regional
administrator only, each checked and audited with its reason (ADR 0019)."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.core import workdays
from objectivity.core.calendar_actions import remove_calendar_day, set_calendar_day
from objectivity.core.calendar_views import shipped_notes
from objectivity.core.models import CalendarDay

TATARSTAN_ACT = "Указ Раиса РТ от 01.02.2026 № УП-100 (Курбан-байрам)"


def _page(client, year):
    response = client.get(reverse("calendar-year", args=[year]))
    assert response.status_code == 200
    return response.content.decode()


def _months_table(html: str) -> list[list[str]]:
    table = re.search(r'<table[^>]*data-table="months".*?</table>', html, re.S).group(0)
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in cells]


def _day_classes(html: str, day: date) -> set[str]:
    found = re.search(rf'<span class="([^"]*)" data-date="{day.isoformat()}"', html)
    assert found, day
    return set(found.group(1).split())


def test_2026_counts_are_the_services(world, client):
    client.force_login(world.users["school_admin"])
    rows = _months_table(_page(client, 2026))
    calendar = workdays.year_calendar(2026)
    expected = [
        [str(sum(1 for d in calendar if d.month == m)), str(sum(w for d, w in calendar.items() if d.month == m))]
        for m in range(1, 13)
    ]
    assert [r[1:3] for r in rows[:12]] == expected
    assert rows[0][0] == "Январь" and rows[5][0] == "Июнь"
    assert rows[0][2] == "15" and rows[12][1:] == ["365", "247", "118"]  # the official total of 2026


def test_a_year_says_whether_a_decree_stands_behind_it(world, client):
    client.force_login(world.users["public_observer"])
    official = _page(client, 2026)
    assert 'data-test="official"' in official and "№ 1466" in official and "24.09.2025" in official
    computed = _page(client, 2031)
    assert 'data-test="computed"' in computed and "статье 112" in computed


def test_marked_days_say_why(world, client):
    client.force_login(world.users["expert"])
    html = _page(client, 2026)
    assert _day_classes(html, date(2026, 1, 9)) == {"day", "off", "moved"}  # from Sat 3 January, the decree
    assert _day_classes(html, date(2026, 3, 9)) == {"day", "off", "moved"}  # 8 March was a Sunday
    assert _day_classes(html, date(2026, 3, 10)) == {"day"}
    assert _day_classes(html, date(2026, 6, 12)) == {"day", "off", "holiday"}
    assert _day_classes(html, date(2026, 3, 7)) == {"day", "off"}
    notes = shipped_notes(2026)
    assert "3 января" in notes[date(2026, 1, 9)][1] and "№ 1466" in notes[date(2026, 1, 9)][1]
    assert "8 марта" in notes[date(2026, 3, 9)][1] and "ч. 2 ст. 112" in notes[date(2026, 3, 9)][1]
    assert "Пн" in html and "Вс" in html


def test_working_saturdays_of_a_decree_are_marked(world, client):
    client.force_login(world.users["expert"])
    html = _page(client, 2027)
    assert _day_classes(html, date(2027, 2, 20)) == {"day", "moved"}  # a working Saturday
    assert "22 февраля" in shipped_notes(2027)[date(2027, 2, 20)][1]


def test_the_old_address_goes_to_this_year(world, client):
    client.force_login(world.users["expert"])
    response = client.get(reverse("calendar"))
    assert response.status_code == 302 and re.search(r"/calendar/\d{4}/$", response.url)


def test_a_year_outside_the_calendar_is_not_found(world, client):
    client.force_login(world.users["region_admin"])
    assert client.get(reverse("calendar-year", args=[1999])).status_code == 404
    assert client.get(reverse("calendar-year", args=[2101])).status_code == 404


def test_a_user_without_a_role_is_refused(world, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("calendar-year", args=[2026])).status_code == 403


def test_a_school_sees_the_calendar_but_cannot_change_it(world, client):
    client.force_login(world.users["school_admin"])
    html = _page(client, 2026)
    assert 'data-test="calendar-form"' not in html
    response = client.post(
        reverse("calendar-year", args=[2026]), {"date": "2026-05-27", "working": "0", "note": TATARSTAN_ACT}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


def test_the_administrator_marks_a_day_off_and_removes_it(world, client):
    day = date(2026, 5, 27)
    client.force_login(world.users["region_admin"])
    assert 'data-test="calendar-form"' in _page(client, 2026)
    assert workdays.is_working_day(day)
    response = client.post(
        reverse("calendar-year", args=[2026]), {"date": "2026-05-27", "working": "0", "note": TATARSTAN_ACT}
    )
    assert response.status_code == 302 and response.url == reverse("calendar-year", args=[2026])
    assert not workdays.is_working_day(day)
    assert workdays.add_working_days(date(2026, 5, 26), 1) == date(2026, 5, 28)
    event = AuditEvent.objects.get(object_type="core.CalendarDay", action="create")
    assert event.note == TATARSTAN_ACT and event.after == {
        "date": "2026-05-27",
        "working": False,
        "note": TATARSTAN_ACT,
    }
    assert event.actor == world.users["region_admin"] and event.region_id == world.region.pk
    assert event.object_repr == "27 мая 2026\u00a0г.: нерабочий день"

    html = _page(client, 2026)
    assert _day_classes(html, day) == {"day", "off", "changed"} and TATARSTAN_ACT in html
    assert _months_table(html)[4][2] == str(sum(w for d, w in workdays.year_calendar(2026).items() if d.month == 5))

    row = CalendarDay.objects.get(date=day)
    response = client.post(reverse("calendar-day-remove", args=[row.pk]), {"reason": "Указ отменён"})
    assert response.status_code == 302
    assert workdays.is_working_day(day) and not CalendarDay.objects.exists()
    removed = AuditEvent.objects.get(object_type="core.CalendarDay", action="delete")
    assert removed.note == "Указ отменён" and removed.before["note"] == TATARSTAN_ACT
    assert _day_classes(_page(client, 2026), day) == {"day"}


def test_a_second_change_of_a_day_replaces_the_first(world):
    admin = world.users["region_admin"]
    set_calendar_day(by=admin, day=date(2026, 5, 27), working=False, note="Указ № 1")
    set_calendar_day(by=admin, day=date(2026, 5, 27), working=False, note="Указ № 2")
    assert CalendarDay.objects.get().note == "Указ № 2"
    update = AuditEvent.objects.get(object_type="core.CalendarDay", action="update")
    assert update.before["note"] == "Указ № 1" and update.after["note"] == "Указ № 2"


def _errors(client, data) -> list[str]:
    response = client.post(reverse("calendar-year", args=[2026]), data)
    assert response.status_code == 200
    shown = re.findall(r'data-test="error">(.*?)</div>', response.content.decode(), re.S)
    return [re.sub(r"\s+", " ", e).strip() for e in shown]


def test_bad_changes_are_refused_in_russian(world, client):
    client.force_login(world.users["region_admin"])
    assert _errors(client, {"date": "1999-12-31", "working": "1", "note": "Указ"}) == [
        "Дата: Календарь охватывает только 2000–2100 годы"
    ]
    assert _errors(client, {"date": "2026-03-09", "working": "0", "note": "Указ"}) == [
        "Дата: 9 марта 2026 г. по производственному календарю уже нерабочий день: менять нечего"
    ]
    assert _errors(client, {"date": "2026-03-10", "working": "1", "note": "Указ"}) == [
        "Дата: 10 марта 2026 г. по производственному календарю уже рабочий день: менять нечего"
    ]
    assert _errors(client, {"date": "2026-05-27", "working": "0", "note": "  "}) == [
        "Основание: Укажите акт, которым изменён день (например, «Указ Главы РТ № …»)"
    ]
    assert _errors(client, {}) == ["Дата: Обязательное поле.", "День: Обязательное поле."]
    assert not CalendarDay.objects.exists() and not AuditEvent.objects.filter(object_type="core.CalendarDay")


def test_returning_a_changed_day_to_the_calendar_says_to_remove_the_change(world, client):
    set_calendar_day(by=world.users["region_admin"], day=date(2026, 5, 27), working=False, note="Указ")
    client.force_login(world.users["region_admin"])
    assert _errors(client, {"date": "2026-05-27", "working": "1", "note": "Указ"}) == [
        "Дата: 27 мая 2026 г. по производственному календарю рабочий день: чтобы вернуть его, удалите изменение дня"
    ]


def test_a_removal_needs_a_reason(world, client):
    row = set_calendar_day(by=world.users["region_admin"], day=date(2026, 5, 27), working=False, note="Указ")
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("calendar-day-remove", args=[row.pk]), {"reason": " "}, follow=True)
    assert "Укажите, почему изменение удаляется" in response.content.decode()
    assert CalendarDay.objects.filter(pk=row.pk).exists()
    with pytest.raises(ValidationError):
        remove_calendar_day(by=world.users["region_admin"], calendar_day=row, reason="")


def test_the_action_checks_whoever_calls_it(world):
    with pytest.raises(ValidationError):
        set_calendar_day(by=world.users["region_admin"], day=date(2026, 5, 27), working=True, note="Указ")
    assert not CalendarDay.objects.exists()


def test_the_footer_links_the_calendar_for_every_role(world, client):
    for who in ("expert", "school_admin", "region_admin"):
        client.force_login(world.users[who])
        html = client.get(reverse("home")).content.decode()
        assert f'href="{reverse("calendar")}"' in html, who
