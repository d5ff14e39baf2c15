"""Dashboard pages of conversations: the inbox as threads, one thread with its reply box. The threads
are messaging's (messaging.conversations); the names beside their numbers are the address book's."""

from dataclasses import replace

from django import forms
from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from accounts.pages import TeamPageMixin
from contacts.selectors import contact_names
from core.errors import NotFound
from core.pages import call_service
from messaging.conversations import (
    conversation_get,
    conversation_list,
    conversation_mark_read,
    conversation_reply,
)

THREADS_PER_PAGE = 50


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Reply", widget=forms.Textarea(attrs={"rows": 3, "data-counter": ""}), max_length=10_000
    )


class InboxView(TeamPageMixin, View):
    """Threads with a received message, newest first, each with its unread count."""

    def get(self, request):
        try:
            number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            number = 1
        threads, count = conversation_list(
            team=self.team, actor=request.user, limit=THREADS_PER_PAGE, offset=(number - 1) * THREADS_PER_PAGE
        )
        names = contact_names(team=self.team, numbers=[t.number for t in threads])
        threads = [replace(t, name=names.get(t.number, "")) for t in threads]
        pages = max(1, -(-count // THREADS_PER_PAGE))
        return render(
            request,
            "messaging/inbox.html",
            {"threads": threads, "page_number": number, "pages": pages, "has_next": number < pages},
        )


class ConversationView(TeamPageMixin, View):
    """One thread, oldest first; opening it marks its received messages read; a reply is a send."""

    def _thread(self, request, number):
        try:
            return conversation_get(team=self.team, actor=request.user, number=number)
        except NotFound:
            raise Http404("No conversation with this number.") from None

    def get(self, request, number, form=None):
        thread = self._thread(request, number)
        conversation_mark_read(team=self.team, actor=request.user, number=number)
        name = contact_names(team=self.team, numbers=[number]).get(number, "")
        return render(
            request,
            "messaging/conversation.html",
            {"number": number, "name": name, "thread": thread, "form": form or ReplyForm()},
        )

    def post(self, request, number):
        self._thread(request, number)  # a thread the actor cannot read is not found, before anything is sent
        form = ReplyForm(request.POST)
        if form.is_valid():
            result = call_service(
                form, lambda: conversation_reply(actor=request.user, number=number, text=form.cleaned_data["text"])
            )
            if result is not None:
                flash.success(request, f"Reply sent for {result.cost} credits.")
                return redirect("dashboard:conversation", number=number)
        return self.get(request, number, form=form)
