"""Sends that protect money and statuses in words, in a real browser (issue 17); screenshots kept."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts import services as contacts
from messaging.models import Batch, Message, Status
from messaging.services import Recipient, message_send
from messaging.services.blacklist import blacklist_add
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner():
    return UserFactory(credits=100, email="owner@e2e.test")


def test_confirm_step_shows_the_figures_and_sends_each_number_once(page, shoot, owner, log_in):
    blacklist_add(team=owner.team, number="+37255555503")
    log_in(owner)
    page.goto("/send/")
    page.fill("textarea[name=numbers]", "+372 5555 5501\n55555501; +37255555502, 12\n+37255555503\n+37255555504")
    page.fill("textarea[name=text]", "x" * 200)
    # The live counter totals every recipient with the confirmation's own figures.
    page.wait_for_function(
        "document.querySelector('[data-total]').textContent.includes('for 3 recipient(s) (1 invalid)')"
    )
    shoot("send-live-total")
    page.click("#send-form button[type=submit]")
    page.wait_for_selector("[data-testid=confirm]")
    assert page.inner_text("[data-testid=confirm-recipients]") == "3"
    assert page.inner_text("[data-testid=confirm-dropped]") == "3"
    assert page.inner_text("[data-testid=confirm-segments]") == "2"
    assert page.inner_text("[data-testid=confirm-cost]") == "6.00 credits"
    assert page.inner_text("[data-testid=confirm-balance-after]") == "94.00 credits"
    reasons = page.inner_text("[data-testid=confirm-reasons]")
    assert "1 invalid" in reasons and "12" in reasons and "1 duplicate" in reasons and "1 blacklisted" in reasons
    button = page.locator("[data-testid=confirm-send]")
    assert button.inner_text() == "Send 3 messages for 6.00 credits"
    shoot("confirm-send")
    assert not Message.objects.exists()
    button.click()
    page.wait_for_url("**/batches/*/")
    shoot("confirm-landed-on-batch")
    batch = Batch.objects.get()
    assert page.url.endswith(f"/batches/{batch.pk}/")
    assert sorted(Message.objects.values_list("recipient", flat=True)) == [
        "+37255555501",
        "+37255555502",
        "+37255555503",  # kept as Blocked, not charged
        "+37255555504",
    ]
    owner.refresh_from_db()
    assert owner.balance == Decimal(94)


def test_picking_a_template_fills_the_text_and_the_counter_follows(page, shoot, owner, log_in):
    long = contacts.template_create(team=owner.team, name="Long notice", text="Notice: " + "y" * 200)
    contacts.template_create(team=owner.team, name="Short", text="Hi %first_name%")
    log_in(owner)
    page.goto("/send/")
    page.fill("textarea[name=numbers]", "+37255555501, +37255555502")
    page.select_option("select[name=template]", label="Long notice")
    assert page.input_value("textarea[name=text]") == long.text
    page.wait_for_function("document.querySelector('[data-k=segments]').textContent === '2'")
    page.wait_for_function("document.querySelector('[data-total]').textContent.includes('4 credits for 2')")
    shoot("send-template-filled")

    # Text the operator wrote is replaced only when they say so.
    page.fill("textarea[name=text]", "My own words")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.select_option("select[name=template]", label="Short")
    assert page.input_value("textarea[name=text]") == "My own words"
    assert page.input_value("select[name=template]") == str(long.pk)  # the choice went back
    page.once("dialog", lambda dialog: dialog.accept())
    page.select_option("select[name=template]", label="Short")
    assert page.input_value("textarea[name=text]") == "Hi %first_name%"
    page.wait_for_function("document.querySelector('[data-k=segments]').textContent === '1'")

    page.fill("textarea[name=text]", "Hi %first_name%, see you at 10")  # the filled text is edited, then sent
    page.click("#send-form button[type=submit]")
    page.click("[data-testid=confirm-send]")
    page.wait_for_url("**/batches/*/")
    assert set(Message.objects.values_list("text", flat=True)) == {"Hi , see you at 10"}


def test_the_group_page_opened_from_a_template_starts_with_its_text(page, shoot, owner, log_in):
    template = contacts.template_create(team=owner.team, name="Reminder", text="Your appointment is tomorrow")
    log_in(owner)
    page.goto(f"/templates/{template.pk}/")
    page.click("text=Send it to groups")
    assert page.input_value("textarea[name=text]") == "Your appointment is tomorrow"
    page.wait_for_function("document.querySelector('[data-k=characters]').textContent === '28'")
    shoot("group-send-from-template")


def test_a_send_time_in_the_past_is_refused(page, shoot, owner, log_in):
    log_in(owner)
    page.goto("/send/")
    page.fill("textarea[name=numbers]", "+37255555501")
    page.fill("textarea[name=text]", "Hello")
    past = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=scheduled_at]", past)
    page.click("#send-form button[type=submit]")
    page.wait_for_selector("text=has already passed")
    shoot("send-past-time-refused")
    assert not Message.objects.exists()


def test_scheduled_messages_are_listed_and_cancelled_with_their_refund(page, shoot, owner, log_in):
    message_send(
        actor=owner,
        recipients=[Recipient("+37255555501")],
        text="Later",
        scheduled_at=timezone.now() + timedelta(hours=3),
        source="test",
    )
    log_in(owner)
    page.goto("/scheduled/")
    assert "+37255555501" in page.inner_text("[data-testid=scheduled]")
    shoot("scheduled-list")
    page.click("text=Cancel (refund 1.00)")
    page.wait_for_selector("[data-testid=confirm-action]")
    shoot("scheduled-cancel-confirm")
    assert Message.objects.get().status == Status.QUEUE
    page.click("[data-testid=confirm-yes]")
    page.wait_for_selector("text=1.00 credits refunded")
    assert "1.00 credits" in page.inner_text("[data-testid=cancelled]")
    shoot("scheduled-cancelled")
    owner.refresh_from_db()
    assert owner.balance == Decimal(100)


def test_statuses_in_words_and_the_message_page_updates_itself(page, shoot, owner, log_in):
    failed = message_send(actor=owner, recipients=[Recipient("+37255555501")], text="a", source="test").messages[0]
    Message.objects.filter(pk=failed.pk).update(status=Status.UNDELIV, error="err:001")
    live = message_send(actor=owner, recipients=[Recipient("+37255555502")], text="b", source="test").messages[0]
    Message.objects.filter(pk=live.pk).update(status=Status.SENT)
    log_in(owner)
    page.goto(f"/messages/{failed.uuid}/")
    status = page.locator("[data-testid=status] .badge")
    assert status.inner_text() == "Failed" and "UNDELIV" in status.get_attribute("title")
    assert "Unknown subscriber: the number is not in service." in page.inner_text("[data-testid=reason]")
    shoot("message-failed-in-words")
    page.goto("/messages/")
    assert "UNDELIV" not in page.inner_text("main")
    shoot("messages-in-words")
    page.goto(f"/messages/{live.uuid}/")
    assert page.inner_text("[data-testid=status] .badge") == "Sent"
    Message.objects.filter(pk=live.pk).update(status=Status.DELIVRD)
    page.wait_for_function(
        "document.querySelector('[data-testid=status] .badge').textContent === 'Delivered'", timeout=8000
    )
    shoot("message-live-delivered")


def test_delivery_insights_and_the_low_balance_banner(page, shoot, owner, log_in):
    owner.team.low_balance_threshold = Decimal(99)
    owner.team.save()
    result = message_send(
        actor=owner, recipients=[Recipient("+37255555501"), Recipient("+46701234567")], text="a", source="test"
    )
    Message.objects.filter(pk=result.messages[1].pk).update(status=Status.UNDELIV, error="err:006")
    log_in(owner)
    assert "below your team's threshold of 99.00 credits" in page.inner_text("[data-testid=low-balance]")
    page.goto("/insights/")
    assert "Absent subscriber" in page.inner_text("[data-testid=by-error]")
    assert "SE" in page.inner_text("[data-testid=by-country]")
    shoot("insights-and-low-balance")
