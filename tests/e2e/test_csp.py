"""No page of the dashboard breaks its Content-Security-Policy in Chromium."""

import pytest

from contacts.models import Contact, Group
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/send/",
    "/messages/",
    "/inbox/",
    "/batches/",
    "/statistics/",
    "/team/",
    "/keys/",
    "/settings/",
    "/settings/2fa/",
    "/contacts/",
    "/groups/",
    "/groups/send/",
    "/templates/",
    "/blacklist/",
    "/contacts/import/",
    "/verifications/",
    "/scheduled/",
    "/insights/",
    "/keywords/",
]
RECORD = """document.addEventListener("securitypolicyviolation", (e) => {
  (window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI}`);
});"""


def test_no_page_violates_the_policy(strict_page):
    page = strict_page
    owner = UserFactory(credits=100, email="csp@e2e.test")
    Contact.objects.create(team=owner.team, number="+37255555555", first_name="Mari")
    Group.objects.create(team=owner.team, name="Friends")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(RECORD)
    page.goto("/login/")
    page.fill("input[name=username]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    violations = {}
    for url in PAGES:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__csp || []")
        if found:
            violations[url] = found
    assert violations == {} and errors == []
    # The behaviours moved out of inline handlers still work: select all.
    page.goto("/contacts/")
    page.check("input[data-select-all]")
    assert page.is_checked("input[name=ids]")
