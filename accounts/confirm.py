"""Destructive dashboard actions ask first, without JavaScript: the first POST of such an action
answers with a page that says what will happen and repeats the POST with `confirmed=yes`; only that
second POST acts. Used by: cancel a batch, cancel a scheduled message, revoke or regenerate an API
key, bulk delete contacts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED = "confirmed"


def ask_first(
    request: HttpRequest, *, title: str, question: str, consequence: str, action_label: str, back_url: str
) -> HttpResponse | None:
    """The question page, or None when this POST already is the operator's yes."""
    if request.POST.get(CONFIRMED) == "yes":
        return None
    hidden = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", CONFIRMED)
        for value in request.POST.getlist(name)
    ]
    context = {
        "title": title,
        "question": question,
        "consequence": consequence,
        "action_label": action_label,
        "back_url": back_url,
        "hidden": [*hidden, (CONFIRMED, "yes")],
    }
    return render(request, "dashboard/confirm.html", context)
