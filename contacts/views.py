"""Dashboard pages of contacts, groups, templates, the blacklist, CSV import/export and the two send pages.
Every page reads through the team-scoped selectors (another team's id is a 404) and writes through
the same services as the APIs."""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.confirm import ask_first
from accounts.pages import TeamPageMixin
from contacts import csv_export, csv_import, selectors, services
from contacts.forms import (
    BlacklistForm,
    ContactBulkForm,
    ContactForm,
    GroupForm,
    GroupSendForm,
    ImportMappingForm,
    ImportUploadForm,
    SendForm,
    TemplateForm,
)
from contacts.models import ContactImport, ImportStatus
from contacts.send_pages import confirm_then_send, sent
from contacts.sending import group_send_quote
from core.errors import DomainError
from core.numbers import InvalidNumber, split_numbers
from core.pages import call_service
from messaging.models import BlacklistSource
from messaging.pricing import PriceBook, quote
from messaging.selectors import blacklist_get, blacklist_list
from messaging.services.blacklist import blacklist_add, blacklist_remove

T = TypeVar("T")
PAGE_SIZE = 50


def call(form, action: Callable[[], T], rename: dict[str, str] | None = None) -> T | None:
    """`call_service`, with the service's field names renamed to the form's."""

    def run() -> T:
        try:
            return action()
        except DomainError as exc:
            exc.field = (rename or {}).get(exc.field, exc.field)
            raise

    return call_service(form, run)


def page_of(request, items, size: int = PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


def csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


# Contacts


class ContactListView(TeamPageMixin, View):
    """Search, filter by group, page; bulk add to / remove from a group, bulk delete."""

    def get(self, request, bulk_form=None):
        q = request.GET.get("q", "").strip()
        group = None
        if request.GET.get("group"):
            group = selectors.group_get(team=self.team, group_id=request.GET["group"])
        contacts = selectors.contact_list(team=self.team, search=q, group=group).prefetch_related("groups")
        return render(
            request,
            "contacts/contact_list.html",
            {
                "page_obj": page_of(request, contacts),
                "q": q,
                "group": group,
                "groups": selectors.group_list(team=self.team),
                "bulk_form": bulk_form or ContactBulkForm(team=self.team),
            },
        )

    def post(self, request):
        form = ContactBulkForm(request.POST, team=self.team)
        if form.is_valid():
            data = form.cleaned_data
            ids, group = data["ids"], data["group"]
            if data["action"] == "delete":
                question = ask_first(
                    request,
                    title="Delete contacts",
                    question=f"Delete {len(ids)} contact(s)?",
                    consequence="They are removed from every group; their message history stays."
                    " This cannot be undone.",
                    action_label=f"Delete {len(ids)} contact(s)",
                    back_url=reverse("dashboard:contacts") + _keep_query(request),
                )
                if question:
                    return question
                done = call(form, lambda: services.contact_bulk_delete(team=self.team, contact_ids=ids))
                text = f"{done} contact(s) deleted."
            elif data["action"] == "add_to_group":
                done = call(form, lambda: services.group_contacts_add(team=self.team, group=group, contact_ids=ids))
                text = f"{done} contact(s) added to {group}."
            else:
                done = call(form, lambda: services.group_contacts_remove(team=self.team, group=group, contact_ids=ids))
                text = f"{done} contact(s) removed from {group}."
            if done is not None:
                messages.success(request, text)
                return HttpResponseRedirect(reverse("dashboard:contacts") + _keep_query(request))
        for error in form.non_field_errors() + form.errors.get("group", []):
            messages.error(request, error)
        return HttpResponseRedirect(reverse("dashboard:contacts") + _keep_query(request))


def _keep_query(request) -> str:
    query = request.POST.get("next_query", "")
    return f"?{query}" if query else ""


CONTACT_RENAME = {"fields": "custom_fields", "group_id": "groups"}


class ContactCreateView(TeamPageMixin, View):
    def get(self, request, form=None):
        initial = {"groups": request.GET.getlist("group")}
        form = form or ContactForm(team=self.team, initial=initial)
        return render(request, "contacts/contact_form.html", {"form": form, "contact": None})

    def post(self, request):
        form = ContactForm(request.POST, team=self.team)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["fields"] = data.pop("custom_fields")
            contact = call(form, lambda: services.contact_create(team=self.team, **data), CONTACT_RENAME)
            if contact:
                messages.success(request, f"Contact {contact.number} created.")
                return redirect("dashboard:contacts")
        return self.get(request, form=form)


class ContactEditView(TeamPageMixin, View):
    def get(self, request, contact_id, form=None):
        contact = selectors.contact_get(team=self.team, contact_id=contact_id)
        if form is None:
            initial = {
                "number": contact.number,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "title": contact.title,
                "email": contact.email,
                "custom_fields": ContactForm.fields_text(contact.fields),
                "notes": contact.notes,
                "groups": list(contact.groups.all()),
            }
            form = ContactForm(team=self.team, initial=initial)
        return render(request, "contacts/contact_form.html", {"form": form, "contact": contact})

    def post(self, request, contact_id):
        contact = selectors.contact_get(team=self.team, contact_id=contact_id)
        form = ContactForm(request.POST, team=self.team)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["fields"] = data.pop("custom_fields")
            saved = call(form, lambda: services.contact_update(team=self.team, contact=contact, **data), CONTACT_RENAME)
            if saved:
                messages.success(request, f"Contact {saved.number} saved.")
                return redirect("dashboard:contacts")
        return self.get(request, contact_id, form=form)


class ContactDeleteView(TeamPageMixin, View):
    def get(self, request, contact_id):
        contact = selectors.contact_get(team=self.team, contact_id=contact_id)
        return render(
            request,
            "contacts/confirm_delete.html",
            {"object": contact, "what": "contact", "cancel": reverse("dashboard:contact-edit", args=[contact.pk])},
        )

    def post(self, request, contact_id):
        contact = selectors.contact_get(team=self.team, contact_id=contact_id)
        services.contact_delete(team=self.team, contact=contact)
        messages.success(request, f"Contact {contact.number} deleted.")
        return redirect("dashboard:contacts")


class ContactExportView(TeamPageMixin, View):
    def get(self, request):
        group = None
        if request.GET.get("group"):
            group = selectors.group_get(team=self.team, group_id=request.GET["group"])
        lines = csv_export.contacts_csv(team=self.team, group=group, search=request.GET.get("q", ""))
        return csv_response(lines, f"contacts-{group.name}" if group else "contacts")


# Groups


class GroupListView(TeamPageMixin, View):
    def get(self, request, form=None):
        groups = selectors.group_list(team=self.team, with_counts=True)
        return render(
            request,
            "contacts/group_list.html",
            {"page_obj": page_of(request, groups, 100), "form": form or GroupForm()},
        )

    def post(self, request):
        form = GroupForm(request.POST)
        if form.is_valid():
            group = call(form, lambda: services.group_create(team=self.team, name=form.cleaned_data["name"]))
            if group:
                messages.success(request, f"Group {group.name} created.")
                return redirect("dashboard:group-detail", group_id=group.pk)
        return self.get(request, form=form)


class GroupDetailView(TeamPageMixin, View):
    """Members (searchable, paged), rename, remove a member, delete the group."""

    def get(self, request, group_id, form=None):
        group = selectors.group_get(team=self.team, group_id=group_id)
        q = request.GET.get("q", "").strip()
        members = selectors.contact_list(team=self.team, search=q, group=group)
        return render(
            request,
            "contacts/group_detail.html",
            {
                "group": group,
                "q": q,
                "page_obj": page_of(request, members),
                "form": form or GroupForm(initial={"name": group.name}),
            },
        )

    def post(self, request, group_id):
        group = selectors.group_get(team=self.team, group_id=group_id)
        action = request.POST.get("action", "rename")
        if action == "delete":
            services.group_delete(team=self.team, group=group)
            messages.success(request, f"Group {group.name} deleted; its contacts stay.")
            return redirect("dashboard:groups")
        if action == "remove":
            contact = selectors.contact_get(team=self.team, contact_id=request.POST.get("contact_id"))
            services.group_contact_remove(team=self.team, group=group, contact=contact)
            messages.success(request, f"{contact.number} removed from {group.name}.")
            return redirect("dashboard:group-detail", group_id=group.pk)
        form = GroupForm(request.POST)
        if form.is_valid() and call(
            form, lambda: services.group_update(team=self.team, group=group, name=form.cleaned_data["name"])
        ):
            messages.success(request, "Group renamed.")
            return redirect("dashboard:group-detail", group_id=group.pk)
        return self.get(request, group_id, form=form)


class GroupExportView(TeamPageMixin, View):
    def get(self, request):
        return csv_response(csv_export.groups_csv(team=self.team), "groups")


class _SendPage(TeamPageMixin, View):
    """What both send pages do with a POST: check the form, then quote, confirm and send
    (contacts.send_pages). Each page gives its form and the send's arguments."""

    def bound_form(self, data):
        raise NotImplementedError

    def send_arguments(self, form) -> tuple[dict, dict]:
        """`confirm_then_send`'s recipients and send arguments from the valid form."""
        raise NotImplementedError

    def post(self, request):
        form = self.bound_form(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        recipients, send = self.send_arguments(form)
        outcome = confirm_then_send(form=form, actor=request.user, post=request.POST, recipients=recipients, send=send)
        if outcome.result is None:  # a quote to confirm, or the form's errors
            return self.get(request, form=form, confirm=outcome.confirm)
        return sent(request, outcome.result)


class SendView(_SendPage):
    """Send to numbers: the numbers box of the group send (the same confirmation and resolution), a send
    to more than one recipient confirmed first (contacts.send_pages)."""

    def get(self, request, form=None, confirm=None):
        form = form or SendForm(
            initial={"sender": self.team.default_sender}, templates=selectors.template_list(team=self.team)
        )
        return render(request, "messaging/send.html", {"form": form, "confirm": confirm})

    def bound_form(self, data):
        return SendForm(data, templates=selectors.template_list(team=self.team))

    def send_arguments(self, form) -> tuple[dict, dict]:
        data = form.cleaned_data
        when = data["scheduled_at"]
        if when and timezone.is_naive(when):
            when = when.replace(tzinfo=self.team.zone)
        recipients = {
            "numbers": form.numbers_list(),
            "text": data["text"],
            "conversion": data["conversion"],
            "scheduled_at": when,
        }
        return recipients, {
            "sender": data["sender"],
            "messages_per_minute": data["messages_per_minute"],
            "source": "dashboard",
        }


class QuoteView(TeamPageMixin, View):
    """The live counter's numbers, from the same `quote` the send path charges with."""

    def get(self, request):
        text, to = request.GET.get("text", ""), request.GET.get("to", "")
        number_error = ""
        try:
            conversion = int(request.GET.get("conversion", 0))
            try:
                q = quote(team=self.team, text=text, recipient=to, conversion=conversion)
            except InvalidNumber as exc:  # the counter keeps counting: priced at the default price
                number_error = f"{to}: {exc.message}"
                q = quote(team=self.team, text=text, conversion=conversion)
        except (DomainError, ValueError) as exc:
            return JsonResponse({"error": getattr(exc, "message", str(exc))}, status=400)
        total = {}
        if "numbers" in request.GET and text.strip():
            try:  # the confirmation's own figures, for everyone in the numbers box
                whole = group_send_quote(
                    actor=request.user, numbers=split_numbers(request.GET["numbers"]), text=text, conversion=conversion
                )
                total = {"recipients": whole.recipients, "total": str(whole.cost), "invalid": len(whole.invalid)}
            except DomainError:
                pass
        a = q.analysis
        return JsonResponse(
            {
                **total,
                "number_error": number_error,
                "characters": a.characters,
                "encoding": a.encoding,
                "units": a.units,
                "segments": a.segments,
                "per_segment": a.per_segment,
                "remaining": a.remaining,
                "too_long": a.too_long,
                "unicode_chars": list(a.unicode_chars),
                "credits": str(q.credits),
                "text": q.text,
            }
        )


class GroupSendView(_SendPage):
    """Send one text (or a template) to groups and loose numbers, personalised per contact; a send to
    more than one recipient is confirmed first (contacts.send_pages)."""

    def get(self, request, form=None, confirm=None):
        initial = {"groups": request.GET.getlist("group"), "template": request.GET.get("template")}
        form = form or GroupSendForm(team=self.team, initial=initial)
        return render(request, "contacts/group_send.html", {"form": form, "confirm": confirm})

    def bound_form(self, data):
        return GroupSendForm(data, team=self.team)

    def send_arguments(self, form) -> tuple[dict, dict]:
        data = form.cleaned_data
        recipients = {
            "group_ids": [g.pk for g in data["groups"]],
            "numbers": data["numbers"],
            "text": data["text"],  # a picked template's text, as filled (core.pages.TemplateTextForm)
            "scheduled_at": data["scheduled_at"],
        }
        return recipients, {"sender": data["sender"], "source": "dashboard"}


# Templates


class TemplateListView(TeamPageMixin, View):
    def get(self, request):
        prices = PriceBook()
        page = page_of(request, selectors.template_list(team=self.team))
        rows = [(t, t.variables, t.quote(prices)) for t in page]
        return render(request, "contacts/template_list.html", {"page_obj": page, "rows": rows})


class TemplateCreateView(TeamPageMixin, View):
    def get(self, request, form=None):
        return render(request, "contacts/template_form.html", {"form": form or TemplateForm(), "template": None})

    def post(self, request):
        form = TemplateForm(request.POST)
        if form.is_valid():
            template = call(form, lambda: services.template_create(team=self.team, **form.cleaned_data))
            if template:
                messages.success(request, f"Template {template.name} created.")
                return redirect("dashboard:template-edit", template_id=template.pk)
        return self.get(request, form=form)


class TemplateEditView(TeamPageMixin, View):
    """Edit, with the variables the text uses and what one message of it costs."""

    def get(self, request, template_id, form=None):
        template = selectors.template_get(team=self.team, template_id=template_id)
        form = form or TemplateForm(initial={"name": template.name, "text": template.text})
        return render(
            request,
            "contacts/template_form.html",
            {"form": form, "template": template, "variables": template.variables, "quote": template.quote()},
        )

    def post(self, request, template_id):
        template = selectors.template_get(team=self.team, template_id=template_id)
        if request.POST.get("action") == "delete":
            services.template_delete(team=self.team, template=template)
            messages.success(request, f"Template {template.name} deleted.")
            return redirect("dashboard:templates")
        form = TemplateForm(request.POST)
        if form.is_valid() and call(
            form, lambda: services.template_update(team=self.team, template=template, **form.cleaned_data)
        ):
            messages.success(request, "Template saved.")
            return redirect("dashboard:template-edit", template_id=template.pk)
        return self.get(request, template_id, form=form)


# Blacklist


class BlacklistView(TeamPageMixin, View):
    def get(self, request, form=None):
        q = request.GET.get("q", "").strip()
        entries = blacklist_list(team=self.team, search=q)
        return render(
            request,
            "contacts/blacklist.html",
            {"page_obj": page_of(request, entries), "q": q, "form": form or BlacklistForm()},
        )

    def post(self, request):
        if request.POST.get("action") == "remove":
            entry = blacklist_get(team=self.team, entry_id=request.POST.get("entry_id"))
            blacklist_remove(entry=entry, team=self.team)
            messages.success(request, f"{entry.number} removed from the blacklist.")
            return redirect("dashboard:blacklist")
        form = BlacklistForm(request.POST)
        if form.is_valid():
            entry = call(
                form,
                lambda: blacklist_add(team=self.team, number=form.cleaned_data["number"], source=BlacklistSource.WEB),
            )
            if entry:
                messages.success(request, f"{entry.number} is on the blacklist.")
                return redirect("dashboard:blacklist")
        return self.get(request, form=form)


class BlacklistExportView(TeamPageMixin, View):
    def get(self, request):
        return csv_response(csv_export.blacklist_csv(team=self.team), "blacklist")


# CSV import


class ContactImportView(TeamPageMixin, View):
    """Upload; then the preview and mapping step (ContactImportDetailView)."""

    def get(self, request, form=None):
        initial = {"kind": request.GET.get("kind", "contacts"), "group": request.GET.get("group")}
        return render(
            request,
            "contacts/import_upload.html",
            {
                "form": form or ImportUploadForm(team=self.team, initial=initial),
                "imports": selectors.contact_import_list(team=self.team)[:20],
            },
        )

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, team=self.team)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > csv_import.MAX_BYTES:
                form.add_error("file", f"The file is larger than {csv_import.MAX_BYTES // (1024 * 1024)} MB.")
            else:
                contact_import = call(
                    form,
                    lambda: csv_import.contact_import_create(
                        actor=request.user,
                        data=upload.read(),
                        filename=upload.name,
                        kind=form.cleaned_data["kind"],
                        group=form.cleaned_data["group"],
                    ),
                )
                if contact_import:
                    return redirect("dashboard:contacts-import-detail", import_id=contact_import.pk)
        return self.get(request, form=form)


class ContactImportDetailView(TeamPageMixin, View):
    """Before the start: the preview and the column mapping. After: progress (polled) and the report."""

    def get(self, request, import_id, form=None):
        contact_import = selectors.contact_import_get(team=self.team, import_id=import_id)
        context = {"import": contact_import}
        if contact_import.status == ImportStatus.UPLOADED:
            preview = csv_import.import_preview(contact_import=contact_import)
            if form is None:
                initial = {name: str(index) for name, index in contact_import.mapping.items()}
                initial |= {
                    "has_header": contact_import.has_header,
                    "keep_other_columns": contact_import.keep_other_columns,
                    "group": contact_import.group_id,
                }
                form = self._form(contact_import, preview.columns, initial=initial)
            context |= {"preview": preview, "form": form}
        else:
            context["errors"] = contact_import.errors[:500]
        return render(request, "contacts/import_detail.html", context)

    def post(self, request, import_id):
        contact_import = selectors.contact_import_get(team=self.team, import_id=import_id)
        if contact_import.status != ImportStatus.UPLOADED:
            return redirect("dashboard:contacts-import-detail", import_id=contact_import.pk)
        columns = csv_import.import_preview(contact_import=contact_import).columns
        form = self._form(contact_import, columns, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            configured = call(
                form,
                lambda: csv_import.contact_import_configure(
                    actor=request.user,
                    contact_import=contact_import,
                    mapping=form.mapping(),
                    has_header=data["has_header"],
                    keep_other_columns=data.get("keep_other_columns", False),
                    group=data.get("group"),
                ),
            )
            if configured and request.POST.get("action") == "start":
                call(form, lambda: csv_import.contact_import_start(actor=request.user, contact_import=configured))
            if configured and not form.errors:
                return redirect("dashboard:contacts-import-detail", import_id=contact_import.pk)
        return self.get(request, import_id, form=form)

    def _form(self, contact_import: ContactImport, columns: list[str], **kwargs) -> ImportMappingForm:
        return ImportMappingForm(team=self.team, kind=contact_import.kind, columns=columns, **kwargs)


class ContactImportStatusView(TeamPageMixin, View):
    """The figures the progress bar polls."""

    def get(self, request, import_id):
        i = selectors.contact_import_get(team=self.team, import_id=import_id, with_content=False)
        return JsonResponse(
            {
                "status": i.status,
                "progress": i.progress,
                "processed": i.processed_rows,
                "total": i.total_rows,
                "created": i.created_count,
                "skipped": i.skipped_count,
                "grouped": i.grouped_count,
                "finished": i.finished,
                "failure": i.failure,
            }
        )


class ContactImportErrorsView(TeamPageMixin, View):
    """The row-by-row report of what was skipped and why, as CSV."""

    def get(self, request, import_id):
        contact_import = selectors.contact_import_get(team=self.team, import_id=import_id, with_content=False)
        return csv_response(csv_export.import_errors_csv(contact_import=contact_import), f"import-{import_id}-skipped")
