"""Conversations in a real browser: the unread count, the thread, a reply sent from it."""

from datetime import UTC, datetime

import pytest

from contacts.services import contact_create
from messaging.gateways.base import InboundSms
from messaging.models import Direction, Message
from messaging.services import Recipient, message_send
from messaging.services.inbound import inbound_receive
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_reply_from_a_thread(page, shoot, log_in):
    owner = UserFactory(credits=100, email="owner@thread.test")
    contact_create(team=owner.team, number="+37255550001", first_name="Mari", last_name="Maasikas")
    message_send(actor=owner, recipients=[Recipient(number="+37255550001")], text="Table for two?", source="dashboard")
    inbound_receive(sms=InboundSms(sender="+37255550001", to="", text="Yes, at 7", at=datetime.now(UTC)))
    log_in(owner)
    assert page.text_content("[data-testid=nav-inbox]") == "Inbox 1 unread"
    page.goto("/inbox/")
    shoot("inbox-threads")
    page.click("text=Mari Maasikas")
    page.wait_for_selector("text=Yes, at 7")
    page.fill("textarea[name=text]", "Booked, see you at 7")
    page.wait_for_function("document.querySelector('[data-k=credits]').textContent !== '0'")
    page.click("button:has-text('Send reply')")
    page.wait_for_selector("text=Reply sent for")
    bubbles = page.locator(".thread li").all_inner_texts()
    assert [b.split("\n")[0] for b in bubbles] == ["Table for two?", "Yes, at 7", "Booked, see you at 7"]
    assert page.text_content("[data-testid=nav-inbox]") == "Inbox"  # read now
    shoot("conversation-replied")
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot("conversation-390")
    reply = Message.objects.get(text="Booked, see you at 7")
    assert reply.direction == Direction.OUT and reply.price > 0


def test_keyword_reply_set_up_in_the_browser(page, shoot, log_in):
    owner = UserFactory(credits=100, email="owner@keyword.test")
    from contacts.services import group_create

    group_create(team=owner.team, name="Club")
    message_send(actor=owner, recipients=[Recipient(number="+37255550009")], text="Our news", source="dashboard")
    log_in(owner)
    page.goto("/keywords/")
    page.fill("input[name=word]", "join")
    page.fill("textarea[name=reply_text]", "Welcome to the club")
    page.select_option("select[name=group]", label="Club")
    page.click("button:has-text('Add keyword')")
    page.wait_for_selector("text=Keyword JOIN added.")
    shoot("keywords")
    page.click("[aria-label='Edit JOIN']")  # a second thought about the reply
    page.fill("textarea[name=reply_text]", "Welcome to the club, see you on Friday")
    shoot("keyword-edit")
    page.click("button:has-text('Save keyword')")
    page.wait_for_selector("text=Keyword JOIN saved.")
    assert "see you on Friday" in page.inner_text("[data-testid=keyword]")
    inbound_receive(sms=InboundSms(sender="+37255550009", to="", text="JOIN me", at=datetime.now(UTC)))
    page.goto("/inbox/+37255550009/")
    bubbles = page.locator(".thread li").all_inner_texts()
    assert [b.split("\n")[0] for b in bubbles] == ["Our news", "JOIN me", "Welcome to the club, see you on Friday"]
    shoot("keyword-replied")
    page.goto("/groups/")
    assert "Club" in page.inner_text("main")
