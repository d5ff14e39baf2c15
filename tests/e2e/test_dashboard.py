"""The dashboard's main paths in a real browser."""

from decimal import Decimal

import pytest

from accounts.models import ApiKey, Role
from messaging.models import Message, Status
from messaging.pricing import quote
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner():
    return UserFactory(credits=100, email="owner@e2e.test", first_name="Olive")


def test_log_in_send_and_watch_it_delivered(page, shoot, owner, log_in):
    log_in(owner)
    assert page.inner_text("[data-testid=balance]") == "100.00"
    shoot("overview")
    page.goto("/send/")
    page.fill("textarea[name=numbers]", "+37255555555")
    page.fill("textarea[name=text]", "Hello from the browser 😀")
    page.wait_for_function("document.querySelector('[data-k=encoding]').textContent === 'UCS2'")
    expected = quote(team=owner.team, text="Hello from the browser 😀", recipient="+37255555555")
    assert page.inner_text("[data-k=segments]") == str(expected.analysis.segments)
    assert Decimal(page.inner_text("[data-k=credits]")) == expected.credits
    assert "😀" in page.inner_text("[data-k=unicode_chars]")
    shoot("send")
    page.click("button:has-text('Send')")
    page.wait_for_url("**/messages/*/")
    assert "Delivered" in page.inner_text("main")
    shoot("message")
    assert Message.objects.get().status == Status.DELIVRD
    page.goto("/messages/")
    shoot("messages")
    page.goto("/statistics/")
    shoot("statistics")


def test_a_late_answer_to_an_earlier_text_does_not_overwrite_the_counter(page, owner, log_in):
    # The quote of the empty text (asked as the page opens) is answered last, as a busy server or a
    # slow network may do: the counter keeps showing the text as typed.
    page.add_init_script(
        """const original = window.fetch;
        window.fetch = (url, options) => original(url, options).then((answer) =>
            String(url).includes("text=&") ? new Promise((done) => setTimeout(() => done(answer), 1000)) : answer);"""
    )
    log_in(owner)
    page.goto("/send/")
    page.fill("textarea[name=text]", "Hello from the browser 😀")
    page.wait_for_function("document.querySelector('[data-k=encoding]').textContent === 'UCS2'")
    page.wait_for_timeout(1500)  # the late answer has come
    assert page.inner_text("[data-k=encoding]") == "UCS2"


def test_the_group_send_page_counts_as_you_type(page, shoot, owner, log_in):
    log_in(owner)
    page.goto("/groups/send/")
    page.fill("textarea[name=text]", "x" * 161)
    page.wait_for_function("document.querySelector('[data-k=segments]').textContent === '2'")
    expected = quote(team=owner.team, text="x" * 161)
    assert Decimal(page.inner_text("[data-k=credits]")) == expected.credits
    shoot("group-send-counting")


def test_transfer_credits_and_manage_api_keys(page, shoot, owner, log_in):
    member = UserFactory(team=owner.team, role=Role.MEMBER, email="member@e2e.test")
    log_in(owner)
    page.goto("/team/")
    page.fill("input[name=to_email]", member.email)
    page.fill("input[name=amount]", "12.5")
    page.click("button:has-text('Transfer')")
    page.wait_for_selector("text=Credits transferred.")
    shoot("team")
    member.refresh_from_db()
    assert member.balance == Decimal("12.5")

    page.goto("/keys/")
    page.fill("input[name=name]", "browser key")
    page.fill("input[name=expiry_days]", "30")
    page.click("button:has-text('Create key')")
    secret = page.inner_text("[data-testid=new-secret]")
    key = ApiKey.objects.get(user=owner)
    assert secret.startswith(key.prefix) and key.expires_at is not None
    shoot("keys")
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("[data-testid=confirm-action]")  # asks first
    shoot("keys-revoke-confirm")
    page.click("[data-testid=confirm-yes]")
    page.wait_for_selector("text=revoked")
    key.refresh_from_db()
    assert key.revoked_at is not None
    page.goto("/settings/")
    shoot("settings")


def test_import_a_csv_with_a_broken_row_and_see_the_report(page, shoot, owner, tmp_path, log_in):
    from contacts.models import Contact

    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "number,first_name,last_name\n+37255550001,Mari,Maasikas\nnot a number,Bad,Row\n+37255550002,Jaan,Tamm\n"
    )
    log_in(owner)
    page.goto("/contacts/import/")
    page.set_input_files("input[type=file]", str(csv_file))
    page.click("button:has-text('Upload and preview')")
    page.wait_for_selector("[data-testid=preview]")
    shoot("import-preview")
    page.click("button[value=start]")
    page.wait_for_function("document.querySelector('[data-field=created]').textContent.trim() === '2'")
    assert page.inner_text("[data-field=skipped]").strip() == "1"
    assert "not a number" in page.inner_text("[data-testid=errors]")
    shoot("import-done")
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Jaan", "Mari"]
    for name, url in [
        ("contacts", "/contacts/"),
        ("groups", "/groups/"),
        ("templates", "/templates/"),
        ("blacklist", "/blacklist/"),
        ("group-send", "/groups/send/"),
        ("batches", "/batches/"),
        ("verifications", "/verifications/"),
        ("otp-policy", "/settings/2fa/"),
    ]:
        page.goto(url)
        shoot(name)
