"""Dashboard pages of keyword auto-replies (owners and admins): the list with a form to add one, and
a page to change one."""

from django import forms
from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.views import View

from accounts.pages import TeamPageMixin
from accounts.permissions import Action
from contacts.keywords import keyword_create, keyword_delete, keyword_get, keyword_list, keyword_update
from contacts.models import Group
from core.pages import call_service


class KeywordForm(forms.Form):
    word = forms.CharField(
        required=False, max_length=100, help_text="One word; matched in any case at the start of a reply."
    )
    reply_text = forms.CharField(
        required=False, label="Reply", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, empty_label="No group", label="Add the sender to"
    )

    def __init__(self, *args, team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(team=team)


class KeywordListView(TeamPageMixin, View):
    required_action = Action.TEAM_SETTINGS

    def get(self, request, form=None):
        form = form or KeywordForm(team=self.team)
        return render(request, "messaging/keywords.html", {"keywords": keyword_list(team=self.team), "form": form})

    def post(self, request):
        if "delete" in request.POST:
            call_service(
                KeywordForm(team=self.team),
                lambda: keyword_delete(actor=request.user, keyword_id=request.POST["delete"]),
            )
            flash.success(request, "Keyword deleted.")
            return redirect("dashboard:keywords")
        form = KeywordForm(request.POST, team=self.team)
        if form.is_valid() and call_service(form, lambda: keyword_create(actor=request.user, **form.cleaned_data)):
            flash.success(request, f"Keyword {form.cleaned_data['word'].strip().upper()} added.")
            return redirect("dashboard:keywords")
        return self.get(request, form=form)


class KeywordEditView(TeamPageMixin, View):
    required_action = Action.TEAM_SETTINGS

    def get(self, request, keyword_id, form=None):
        keyword = keyword_get(team=self.team, keyword_id=keyword_id)
        initial = {"word": keyword.word, "reply_text": keyword.reply_text, "group": keyword.group_id}
        form = form or KeywordForm(team=self.team, initial=initial)
        return render(request, "messaging/keyword_edit.html", {"keyword": keyword, "form": form})

    def post(self, request, keyword_id):
        keyword = keyword_get(team=self.team, keyword_id=keyword_id)
        form = KeywordForm(request.POST, team=self.team)
        if form.is_valid() and call_service(
            form, lambda: keyword_update(actor=request.user, keyword=keyword, **form.cleaned_data)
        ):
            flash.success(request, f"Keyword {keyword.word} saved.")
            return redirect("dashboard:keywords")
        return self.get(request, keyword_id, form=form)
