"""Support staff: find any message, batch or callback; refund a message; resend a callback; see the
parts of long replies still waiting for the rest; a team's blacklist."""

from django.contrib import admin, messages

from core.admin_readonly import ReadOnlyMixin
from core.errors import DomainError
from messaging.callbacks.delivery import callback_resend
from messaging.models import (
    Batch,
    BlacklistEntry,
    Callback,
    CallbackAttempt,
    InboundPart,
    Message,
    MessagePart,
    PriceRule,
    StatusEvent,
    SubmitAttempt,
)
from messaging.routing import admin as routing_admin  # noqa: F401 - registers connectors and routes
from messaging.services import message_refund


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


class PartInline(ReadOnlyInline):
    model = MessagePart
    fields = readonly_fields = ("index", "network_id", "state")


class EventInline(ReadOnlyInline):
    model = StatusEvent
    fields = readonly_fields = ("at", "status", "detail")


class SubmitAttemptInline(ReadOnlyInline):
    model = SubmitAttempt
    fields = readonly_fields = ("at", "connector_name", "outcome", "error", "cost")
    verbose_name_plural = "hand-overs to carriers (routed messages)"


class CallbackInline(ReadOnlyInline):
    model = Callback
    fields = readonly_fields = ("kind", "method", "url", "state", "attempts", "next_attempt_at")
    show_change_link = True


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "created_at",
        "team",
        "direction",
        "recipient",
        "sender",
        "text_start",
        "status",
        "price",
    )
    list_filter = ("direction", "status", "encoding", "is_refunded", "is_deleted", "created_at")
    list_select_related = ("team",)
    search_fields = (
        "=uuid",
        "uuid__startswith",
        "recipient",
        "sender",
        "client_ref",
        "campaign",
        "team__name",
        "user__email",
    )
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    inlines = [PartInline, EventInline, SubmitAttemptInline, CallbackInline]
    actions = ["refund"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="id", ordering="uuid")
    def short_id(self, message: Message) -> str:
        """The first 8 characters of the public id: enough to tell messages apart and to search by."""
        return str(message.uuid)[:8]

    @admin.display(description="text")
    def text_start(self, message: Message) -> str:
        return message.text if len(message.text) <= 60 else message.text[:59] + "…"

    @admin.action(description="Refund the selected messages to their senders")
    def refund(self, request, queryset):
        done = 0
        for message in queryset:
            try:
                message_refund(message=message, actor=request.user, memo=f"Refund by support ({request.user.email})")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{message.uuid}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Refunded {done} message(s).")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("pk", "team", "user", "source", "campaign", "total", "cost", "created_at", "cancelled_at")
    list_filter = ("source", "created_at")
    list_select_related = ("team", "user")
    search_fields = ("=uuid", "team__name", "user__email", "campaign")
    readonly_fields = [f.name for f in Batch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    list_display = ("country", "credits_per_segment")
    search_fields = ("country",)


class AttemptInline(ReadOnlyInline):
    model = CallbackAttempt
    fields = readonly_fields = ("at", "ok", "status_code", "error", "elapsed_ms")


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = ("pk", "team", "kind", "method", "url", "state", "attempts", "created_at")
    list_filter = ("state", "kind")
    list_select_related = ("team",)
    search_fields = ("url", "team__name", "=message__uuid", "=webhook_id")
    inlines = [AttemptInline]
    actions = ["resend"]
    readonly_fields = [f.name for f in Callback._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resend the selected callbacks")
    def resend(self, request, queryset):
        for callback in queryset:
            callback_resend(callback=callback)
        self.message_user(request, f"Queued {queryset.count()} callback(s) again.")


@admin.register(InboundPart)
class InboundPartAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: the reply is stored by the part that completes it, or by the periodic clean-up."""

    list_display = ("sender", "to", "reference", "sequence", "total", "at", "created_at", "completed_at")
    search_fields = ("sender", "to")
    date_hierarchy = "created_at"


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    list_display = ("number", "team", "source", "created_at")
    list_filter = ("source",)
    list_select_related = ("team",)
    search_fields = ("number", "team__name")
