"""Every dashboard page at a phone's width (390 px) and a laptop's (1280 px): nothing scrolls sideways,
all text reaches 4.5:1 contrast, every control has a label; plus the skip link, Escape on menus, the
403/404 pages and the favicon. Screenshots: test-artifacts/screenshots/layout-<page>-<width>.png."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import get_resolver, reverse

from accounts.models import Role
from accounts.services import api_key_create
from contacts.keywords import keyword_create
from contacts.models import ContactImport
from contacts.services import contact_create, group_create, template_create
from messaging.gateways.base import InboundSms
from messaging.models import Batch, Message
from messaging.services import Recipient, message_send
from messaging.services.inbound import inbound_receive
from tests.factories import UserFactory
from tests.routes import url_patterns

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
    _, resolver = get_resolver().namespace_dict["dashboard"]
    found = [(p.name, route) for route, p in url_patterns(resolver) if p.name]
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


def _inspect(page, shoot, what: str, width: int) -> list[str]:
    """What is wrong with the page as shown: sideways scroll (scrollWidth past the viewport), text
    under 4.5:1, at 390 px unlabelled controls. Its screenshot is kept as layout-<what>-<width>."""
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        problems.append(f"{what} at {width}px is {scroll}px wide")
    problems += [f"{what} at {width}px: contrast {bad}" for bad in page.evaluate(CONTRAST)]
    if width == 390:
        problems += [f"{what}: unlabelled {html}" for html in page.evaluate(UNLABELLED)]
    shoot(f"layout-{what}-{width}")
    return problems


def test_no_page_scrolls_sideways_and_all_text_is_readable(page, shoot, team_with_everything, log_in):
    owner, ids = team_with_everything
    log_in(owner)
    problems = []
    for name, route in dashboard_routes():
        url = _url(route, name, ids)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(url)
            assert response.status == 200, (url, response.status)
            problems += _inspect(page, shoot, name, width)
    assert problems == [], "\n".join(problems)


def test_a_new_teams_empty_pages_fit_too(page, shoot, log_in):
    """The same walk for a team with nothing yet: the empty states (what to do next) fit a phone."""
    owner = UserFactory(credits=0, email="new@layout.test")
    log_in(owner)
    problems = []
    for name, route in dashboard_routes():
        if "<" in route:
            continue  # needs an object the new team does not have
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.goto(_url(route, name, {})).status == 200
            problems += _inspect(page, shoot, f"empty-{name}", width)
    assert problems == [], "\n".join(problems)


def test_pages_and_states_outside_the_walk_fit_too(page, shoot, team_with_everything, log_in):
    """Pages outside the dashboard's URL names (login, password, 404, 403) and what only a POST shows (a
    send's confirmation, the ask-first question, a form with its errors), at both widths."""
    owner, _ = team_with_everything
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="member@layout.test")
    api_key_create(user=owner, name="A key for the phone test")
    problems = []
    for width in WIDTHS:
        page.context.clear_cookies()
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/login/")
        problems += _inspect(page, shoot, "login", width)
        log_in(owner)
        page.goto("/password/")
        problems += _inspect(page, shoot, "password", width)

        page.goto("/send/")
        page.fill("textarea[name=numbers]", "+37255550001\n+37255550002\n+372 5555\n+37255550001")
        page.fill("textarea[name=text]", "Hello")
        page.click("#send-form button[type=submit]")
        page.wait_for_selector("[data-testid=confirm]")
        problems += _inspect(page, shoot, "send-confirm", width)

        page.goto("/keys/")
        page.click("button:has-text('Revoke')")
        page.wait_for_selector("[data-testid=confirm-action]")
        problems += _inspect(page, shoot, "ask-first", width)

        page.goto("/contacts/new/")
        page.click("main button[type=submit]")
        page.wait_for_selector(".errorlist")
        problems += _inspect(page, shoot, "form-errors", width)

        assert page.goto("/messages/00000000-0000-0000-0000-000000000000/").status == 404
        problems += _inspect(page, shoot, "not-found", width)
        page.context.clear_cookies()
        log_in(member)
        assert page.goto("/settings/").status == 403
        problems += _inspect(page, shoot, "not-allowed", width)
    assert problems == [], "\n".join(problems)


def test_menus_skip_link_error_pages_and_favicon(page, shoot, team_with_everything, log_in):
    owner, _ = team_with_everything
    log_in(owner)
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
    log_in(member)
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


def test_lists_turn_into_stacked_rows_on_a_phone(page, shoot, team_with_everything, log_in):
    """The lists an operator works from on a phone show every value and button on screen, each value under
    its column's name, instead of hiding columns to the right of a scrolled table."""
    owner, _ = team_with_everything
    log_in(owner)
    page.set_viewport_size({"width": 390, "height": 900})
    for url, visible in [
        ("/keywords/", "[aria-label='Edit JOIN']"),
        ("/messages/", "td[data-label=Credits]"),
        ("/inbox/", "td[data-label=Unread]"),
    ]:
        page.goto(url)
        box = page.locator(visible).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, (url, box)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/messages/")
    assert page.is_visible("table.stack thead")  # a laptop keeps the table
