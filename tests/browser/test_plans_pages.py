"""A plan's whole cycle in Chromium: made from a template, a report filed with a file, returned, filed again,
accepted, and the progress moving on the plan's page."""

from playwright.sync_api import expect

from objectivity.plans.models import ExecutionReport, Plan
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _done_percent(page) -> int:
    return int(page.locator("[data-test=done-percent]").inner_text())


def _controller(browser, live_server):
    """The municipal coordinator in a browser of their own: nobody decides on a report they filed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "mun")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=start-page]")
    return page


def test_a_plan_from_a_template_through_return_and_acceptance(live_world, log_in, live_server, browser):
    page = log_in("sch220001")
    page.goto(f"{live_server.url}/plans/")
    page.click("[data-test=plan-create]")
    page.check("input[name=template][value=school-2020-21]")
    page.fill("input[name=order_body]", "Приказ директора")
    page.fill("input[name=order_number]", "45-о")
    page.click("[data-test=plan-create-submit]")
    expect(page.locator("[data-test=plan-order]")).to_contain_text("Приказ директора")
    expect(page.locator("[data-test=measure-row]")).to_have_count(9)
    assert _done_percent(page) == 0
    plan_url = page.url

    page.locator("[data-test=measure-row] a").first.click()
    page.fill("textarea[name=comment]", "Проведено совещание, протокол приложен")
    page.set_input_files("input[name=evidence_files]", [_file("протокол.pdf")])
    page.click("[data-test=report-submit]")
    expect(page.locator("[data-test=status]").first).to_have_text("отчёт подан")
    expect(page.locator("[data-test=evidence]")).to_have_text("протокол.pdf")
    expect(page.locator("[data-test=own-report]")).to_be_visible()  # the school does not accept its own report
    measure_url = page.url

    mun = _controller(browser, live_server)
    mun.goto(measure_url)
    mun.fill("textarea[name=reason]", "Нет подписи председателя")
    mun.click("[data-test=return]")
    expect(mun.locator("[data-test=status]").first).to_have_text("возвращено на доработку")

    page.goto(measure_url)
    expect(page.locator("[data-test=decision-reason]")).to_have_text("Нет подписи председателя")
    page.fill("textarea[name=comment]", "Протокол с подписью")
    page.set_input_files("input[name=evidence_files]", [_file("протокол-2.pdf")])
    page.click("[data-test=report-submit]")

    mun.goto(measure_url)
    mun.click("[data-test=accept]")
    expect(mun.locator("[data-test=status]").first).to_have_text("снято с контроля")
    assert list(ExecutionReport.objects.values_list("decision", flat=True)) == ["returned", "accepted"]

    page.goto(plan_url)
    assert _done_percent(page) == round(100 / 9)
    assert Plan.objects.get().measures.filter(status="accepted").count() == 1
