"""The send pages' one flow (Send to numbers, Send to groups): quote, confirm, send.

A send that reaches more than one recipient first shows what it will do (`group_send_quote`): the
recipients after clean-up, what was dropped and why, parts per message, the total cost and the
balance after. It is sent only when the operator confirms that same quote: a confirmation whose
cost no longer matches (prices, contacts or the blacklist changed) shows the new quote instead."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django import forms
from django.contrib import messages as flash
from django.shortcuts import redirect

from accounts.models import User
from contacts.sending import SendQuote, group_send, group_send_quote
from core.errors import DomainError
from messaging.services import SendResult

T = TypeVar("T")
FIELDS = {"recipients": "numbers", "group_id": "groups", "credits": None}


@dataclass(frozen=True)
class SendOutcome:
    confirm: SendQuote | None = None  # show this quote and ask
    result: SendResult | None = None  # sent


def _call(form: forms.Form, action: Callable[[], T]) -> T | None:
    try:
        return action()
    except DomainError as exc:
        field = FIELDS.get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return None


def _same_cost(given: str | None, cost: Decimal) -> bool:
    try:
        return Decimal(given or "") == cost
    except InvalidOperation:
        return False


def confirm_then_send(*, form: forms.Form, actor: User, post, recipients: dict, send: dict) -> SendOutcome:
    """`recipients`: group_send's arguments that decide who gets what (groups, numbers, text,
    template, conversion, send time); `send`: the rest (sender, throttle, source)."""
    quote = _call(form, lambda: group_send_quote(actor=actor, **recipients))
    if quote is None:
        return SendOutcome()
    if quote.recipients == 0 and not quote.blacklisted:
        invalid = "; ".join(f"{n}: Invalid number" for n in quote.invalid[:20])
        form.add_error(
            "numbers" if "numbers" in form.fields else None,
            f"Nothing to send. {invalid}." if invalid else "Add at least one recipient.",
        )
        return SendOutcome()
    confirmed = post.get("confirmed") and _same_cost(post.get("quoted_cost"), quote.cost)
    if quote.given > 1 and not confirmed:
        return SendOutcome(confirm=quote)
    result = _call(form, lambda: group_send(actor=actor, **recipients, **send))
    return SendOutcome(result=result)


def sent(request, result: SendResult):
    """After a send: the batch page (several messages) or the message page (one)."""
    skipped = (
        f" {len(result.rejected)} skipped: " + ", ".join(f"{r.number} ({r.reason})" for r in result.rejected[:10])
        if result.rejected
        else ""
    )
    flash.success(request, f"{len(result.messages)} message(s) accepted for {result.cost} credits.{skipped}")
    if result.batch:
        return redirect("dashboard:batch", batch_id=result.batch.pk)
    return redirect("dashboard:message", message_id=result.messages[0].uuid)
