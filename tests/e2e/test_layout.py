"""Every dashboard page at a phone's width (390 px) and a laptop's (1280 px): nothing scrolls sideways,
all text reaches 4.5:1 contrast, every control has a label; plus the skip link, Escape on menus, the
403/404 pages and the favicon. Screenshots: test-artifacts/screenshots/layout-<page>-<width>.png."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from contacts.models import ContactImport
from contacts.services import contact_create, group_create, template_create
from messaging.gateways.base import InboundSms
from messaging.models import Batch, Message
from messaging.services import Recipient, message_send
from messaging.services.inbound import inbound_receive
from messaging.services.keywords import keyword_create
from tests.e2e.test_dashboard import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
NOT_PAGES = {"quote"}  # JSON for the live counter


def _script(name: str) -> str:
    """A function from tests/e2e/<name>.js for page.evaluate (its leading // comment dropped)."""
    lines = (Path(__file__).parent / f"{name}.js").read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("//"))


CONTRAST = _script("contrast")  # text below 4.5:1 against its background: [] when all pass
UNLABELLED = _script("unlabelled")  # form controls without a label


def dashboard_routes():
    """(name, route) of every page in the dashboard namespace, found by walking the URL tree."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                found.append((p.name, prefix + str(p.pattern)))

    _, resolver = get_resolver().namespace_dict["dashboard"]
    walk(resolver.url_patterns)
    return [(n, r) for n, r in found if n not in NOT_PAGES and not r.endswith((".csv", ".json"))]


@pytest.fixture
def team_with_everything():
    owner = UserFactory(credits=100, email="owner@layout.test", first_name="Olive")
    team = owner.team
    UserFactory(team=team, role=Role.MEMBER, email="member-with-a-rather-long-address@layout.test")
    group = group_create(team=team, name="Customers in Tallinn")
    contact = contact_create(team=team, number="+37255550001", first_name="Mari", last_name="Maasikas", groups=[group])
    template = template_create(team=team, name="Reminder", text="Your appointment is tomorrow at {time}.")
    result = message_send(
        actor=owner,
        recipients=[Recipient(number="+37255550001"), Recipient(number="+37255550002")],
        text="A fairly long message so the tables have something to wrap: " + "words " * 20,
        source="dashboard",
    )
    inbound_receive(sms=InboundSms(sender="+37255550001", to="", text="Thanks, see you", at=datetime.now(UTC)))
    batch = result.batch or Batch.objects.filter(team=team).first()
    imported = ContactImport.objects.create(team=team, user=owner, filename="people.csv", record_count=2)
    ids = {
        "message_id": Message.objects.filter(team=team).first().uuid,
        "batch_id": batch.pk if batch else 0,
        "user_id": owner.pk,
        "import_id": imported.pk,
        "contact_id": contact.pk,
        "group_id": group.pk,
        "template_id": template.pk,
        "number": "+37255550001",
        "keyword_id": keyword_create(actor=owner, word="JOIN", reply_text="Welcome to the club", group=group).pk,
    }
    return owner, ids


def _url(route: str, name: str, ids: dict) -> str:
    kwargs = {key: value for key, value in ids.items() if f"<{key}>" in route or f":{key}>" in route}
    return reverse(f"dashboard:{name}", kwargs=kwargs)


def test_no_page_scrolls_sideways_and_all_text_is_readable(page, shoot, team_with_everything):
    owner, ids = team_with_everything
    log_in(page, owner)
    problems = []
    for name, route in dashboard_routes():
        url = _url(route, name, ids)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(url)
            assert response.status == 200, (url, response.status)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{url} at {width}px is {scroll}px wide")
            problems += [f"{url} at {width}px: contrast {bad}" for bad in page.evaluate(CONTRAST)]
            if width == 390:
                problems += [f"{url}: unlabelled {html}" for html in page.evaluate(UNLABELLED)]
            shoot(f"layout-{name}-{width}")
    assert problems == [], "\n".join(problems)


def test_menus_skip_link_error_pages_and_favicon(page, shoot, team_with_everything):
    owner, _ = team_with_everything
    log_in(page, owner)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    assert not page.is_visible("#nav-menu")  # folded behind "Menu" on a phone
    page.click("[data-nav-toggle]")
    assert page.is_visible("#nav-menu")
    page.click("#nav-menu summary:has-text('History')")
    assert page.is_visible("a:has-text('Inbox')")
    shoot("layout-menu-open-390")
    page.keyboard.press("Escape")  # closes the dropdown, then the menu
    assert not page.is_visible("a:has-text('Inbox')")
    page.keyboard.press("Escape")
    assert not page.is_visible("#nav-menu")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.click("summary:has-text('Contacts')")
    assert page.is_visible("a:has-text('Blacklist')")
    page.keyboard.press("Escape")
    assert not page.is_visible("a:has-text('Blacklist')")

    response = page.goto("/messages/00000000-0000-0000-0000-000000000000/")
    assert response.status == 404
    assert page.is_visible("text=Page not found") and page.is_visible("nav >> text=SMS platform")
    shoot("layout-404")

    member = UserFactory(team=owner.team, role=Role.MEMBER, email="member@layout.test")
    page.context.clear_cookies()
    log_in(page, member)
    response = page.goto("/settings/")
    assert response.status == 403
    assert page.is_visible("text=Not allowed") and page.is_visible("nav >> text=SMS platform")
    shoot("layout-403")

    page.goto("/send/")  # the counter's warnings appear only while typing
    page.fill("textarea[name=text]", "Tere 😀 " + "ü" * 3000)
    page.wait_for_function("document.querySelector('[data-k=unicode_chars]').textContent.includes('😀')")
    page.wait_for_function("document.getElementById('counter').classList.contains('too-long')")
    assert page.evaluate(CONTRAST) == []
    shoot("layout-counter-warnings")

    icon = page.get_attribute("link[rel=icon]", "href")
    assert page.request.get(icon).status == 200
