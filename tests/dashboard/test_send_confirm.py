"""Sends from the dashboard that protect money: confirmation figures, the numbers box, past send times."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contacts import services as contacts
from core.numbers import read_entry, split_numbers
from messaging.models import Batch, Message, PriceRule, Status
from messaging.services.blacklist import blacklist_add

pytestmark = pytest.mark.django_db


MIXED = "+372 5555 5501\n55555501; +37255555502, 12\n+37255555503\n12"  # EE team: 55555501 is +37255555501


def test_the_confirmation_shows_recipients_dropped_parts_cost_and_balance_after(page, owner):
    PriceRule.objects.create(country="EE", credits_per_segment=Decimal("1.5"))
    blacklist_add(team=owner.team, number="+37255555503")
    response = page.post_committed("/send/", {"numbers": MIXED, "text": "x" * 200, "conversion": "0"})
    confirm = response.context["confirm"]
    assert confirm.recipients == 2  # 501 and 502
    assert confirm.invalid == ("12",)
    assert confirm.duplicates == ("55555501", "12")
    assert confirm.blacklisted == ("+37255555503",)
    assert (confirm.segments, confirm.cost, confirm.balance_after) == (2, Decimal("6.0"), Decimal("94.0"))
    html = response.content.decode()
    assert "Send 2 messages for 6.00 credits" in html
    assert "94.00 credits" in html and "1 invalid" in html and "2 duplicates" in html and "1 blacklisted" in html
    assert not Message.objects.exists()
    owner.refresh_from_db()
    assert owner.balance == 100


def test_confirming_sends_each_number_once_and_lands_on_the_batch(page, owner):
    data = {"numbers": MIXED, "text": "Hello", "conversion": "0"}
    quoted = page.post_committed("/send/", data).context["confirm"]
    response = page.post_committed("/send/", {**data, "confirmed": "on", "quoted_cost": str(quoted.cost)})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == f"/batches/{batch.pk}/"
    assert sorted(Message.objects.values_list("recipient", flat=True)) == [
        "+37255555501",
        "+37255555502",
        "+37255555503",
    ]
    owner.refresh_from_db()
    assert owner.balance == 100 - quoted.cost == 97


def test_a_confirmation_of_another_cost_is_asked_again(page, owner):
    data = {"numbers": "+37255555501, +37255555502", "text": "Hello", "conversion": "0"}
    response = page.post_committed("/send/", {**data, "confirmed": "on", "quoted_cost": "1"})  # costs 2 now
    assert response.context["confirm"].cost == 2
    assert not Message.objects.exists()


def test_one_number_is_sent_without_a_confirmation_but_an_invalid_one_is_listed(page):
    bad = page.post_committed("/send/", {"numbers": "+372 5555", "text": "Hi", "conversion": "0"})
    assert "+372 5555: Invalid number" in bad.content.decode() and bad.context["confirm"] is None
    ok = page.post_committed("/send/", {"numbers": "+372 5555 5501", "text": "Hi", "conversion": "0"})
    assert ok.status_code == 302 and Message.objects.get().recipient == "+37255555501"


def test_the_group_page_confirms_a_template_send(page, owner):
    group = contacts.group_create(team=owner.team, name="G")
    for n in ("+37255555501", "+37255555502"):
        contacts.contact_create(team=owner.team, number=n, groups=[group])
    template = contacts.template_create(team=owner.team, name="T", text="Hi %first_name%")
    data = {"groups": [group.pk], "template": template.pk}
    response = page.post_committed("/groups/send/", data)
    assert "Send 2 messages for 2.00 credits" in response.content.decode()
    sent = page.post_committed("/groups/send/", {**data, "confirmed": "on", "quoted_cost": "2"})
    assert sent.url == f"/batches/{Batch.objects.get().pk}/" and Message.objects.count() == 2


@pytest.mark.parametrize("url", ["/send/", "/groups/send/"])
def test_each_template_option_carries_its_text_to_fill_the_box(page, owner, url):
    assert 'name="template"' not in page.get(url).content.decode()  # no templates, no choice
    contacts.template_create(team=owner.team, name="Reminder", text='See you at 10 & bring "ID"')
    html = page.get(url).content.decode()
    assert 'data-fills="text"' in html
    assert 'data-fill="See you at 10 &amp; bring &quot;ID&quot;">Reminder</option>' in html


@pytest.mark.parametrize("url", ["/send/", "/groups/send/"])
def test_the_text_box_is_what_is_sent_and_a_template_fills_an_empty_one(page, owner, url):
    template = contacts.template_create(team=owner.team, name="T", text="Hello from the template")
    data = {"numbers": "+37255555501", "conversion": "0", "template": template.pk}
    page.post_committed(url, {**data, "text": "Hello, edited after picking the template"})
    page.post_committed(url, {**data, "text": ""})  # no JavaScript: the box stayed empty
    assert [m.text for m in Message.objects.order_by("id")] == [
        "Hello, edited after picking the template",
        "Hello from the template",
    ]


def test_the_numbers_box_reads_lines_commas_semicolons_and_spaces_inside_numbers():
    assert split_numbers("+372 5555 5501\n+37255555502;55555503 , 0037255555504\r\n\n") == [
        "+372 5555 5501",
        "+37255555502",
        "55555503",
        "0037255555504",
    ]
    assert read_entry("+372 5555 5501", default_country="EE") == ["+37255555501"]
    assert read_entry("+37255555501 +37255555502", default_country="EE") == ["+37255555501", "+37255555502"]


@pytest.mark.parametrize("url", ["/send/", "/groups/send/"])
def test_a_send_time_in_the_past_is_refused_with_a_clear_message(page, owner, url):
    past = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"numbers": "+37255555501", "text": "Hi", "conversion": "0", "scheduled_at": past}
    response = page.post_committed(url, data)
    errors = response.context["form"].errors["scheduled_at"]
    assert "has already passed" in errors[0]
    assert not Message.objects.exists()
    soon = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    later = page.post_committed(url, {**data, "scheduled_at": soon})
    assert later.status_code == 302 and Message.objects.get().status == Status.QUEUE


def test_the_live_counter_keeps_counting_with_an_invalid_number_and_totals_every_recipient(page):
    data = page.get("/send/quote/", {"text": "x" * 200, "to": "12", "numbers": MIXED}).json()
    assert data["number_error"] == "12: Invalid number" and data["segments"] == 2
    assert (data["recipients"], data["total"], data["invalid"]) == (3, "6", 1)  # the confirmation's figures
