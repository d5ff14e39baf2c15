"""Support staff's admin for carrier connectors and routes: settings checked by kind, passwords
never shown back, routes showing their disabled connectors, a form that tests a number against
the rules, and the connectors' live status (a page and its JSON)."""

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html_join

from core.admin_readonly import ReadOnlyMixin
from messaging.models import Connector, ConnectorCost, Route, RouteConnector, SubmitAttempt
from messaging.routing.forms import ConnectorForm, MarginsForm, RouteTestForm
from messaging.routing.margins import MarginRow, margin_list
from messaging.routing.options import OPTIONS
from messaging.routing.selectors import route_choose
from messaging.routing.status import connector_status_list, queue_depth


class CostInline(admin.TabularInline):
    model = ConnectorCost
    extra = 1


def _settings_fieldsets() -> list[tuple[str | None, dict[str, Any]]]:
    """One group of settings per kind of connector."""
    return [
        (f"{kind.upper()} settings (used when the kind is {kind})", {"fields": [o.name for o in options]})
        for kind, options in OPTIONS.items()
        if options
    ]


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    form = ConnectorForm
    list_display = ("name", "kind", "enabled", "throughput", "target")
    list_filter = ("kind", "enabled")
    search_fields = ("name",)
    inlines = [CostInline]
    fieldsets = [
        (None, {"fields": ["name", "kind", "enabled", "throughput"]}),
        *_settings_fieldsets(),  # type: ignore[list-item]  # the stubs want a TypedDict literal per group
        ("Password", {"fields": ["password", "clear_password"]}),
    ]
    change_list_template = "admin/messaging/connector/change_list.html"

    def get_form(self, request: HttpRequest, obj: Connector | None = None, change: bool = False, **kwargs: Any):
        # The settings and password fields are the form's own, not the model's: the admin must not
        # look for them on the model.
        kwargs["fields"] = ConnectorForm.Meta.fields
        return super().get_form(request, obj, change, **kwargs)

    def _may_view(self, request: HttpRequest) -> None:
        """Staff who may see connectors (the admin lets any staff member through to these views)."""
        if not self.has_view_permission(request):
            raise PermissionDenied

    @admin.display(description="connects to")
    def target(self, connector: Connector) -> str:
        s = connector.settings
        return s.get("url") or (f"{s['host']}:{s.get('port', '')}" if s.get("host") else "")

    def get_urls(self):
        own = [
            path("status/", self.admin_site.admin_view(self.status_view), name="messaging_connector_status"),
            path("status.json", self.admin_site.admin_view(self.status_json), name="messaging_connector_status_json"),
        ]
        return own + super().get_urls()

    def status_view(self, request: HttpRequest) -> HttpResponse:
        self._may_view(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Carrier connectors: live status",
            "connectors": connector_status_list(),
            "queue_depth": queue_depth(),
            "opts": self.model._meta,
        }
        return render(request, "admin/messaging/connector/status.html", context)

    def status_json(self, request: HttpRequest) -> JsonResponse:
        self._may_view(request)
        return JsonResponse(
            {"queue_depth": queue_depth(), "connectors": [s.as_dict() for s in connector_status_list()]}
        )


class StepInline(admin.TabularInline):
    model = RouteConnector
    extra = 1
    autocomplete_fields = ("connector",)


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("position", "__str__", "matches", "mode", "connector_list")
    list_display_links = ("__str__",)
    list_select_related = ("team",)
    fields = ("position", "name", "prefix", "country", "team", "sender", "mode")
    autocomplete_fields = ("team",)
    inlines = [StepInline]
    change_list_template = "admin/messaging/route/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps__connector")

    @admin.display(description="matches")
    def matches(self, route: Route) -> str:
        filters = [
            route.prefix,
            route.country,
            route.team and f"team {route.team}",
            route.sender and f"from {route.sender}",
        ]
        return ", ".join(f for f in filters if f) or "everything (catch-all)"

    @admin.display(description="connectors")
    def connector_list(self, route: Route) -> str:
        return format_html_join(" → ", "{}", ((str(s.connector),) for s in route.steps.all())) or "none"

    def get_urls(self):
        own = [path("test/", self.admin_site.admin_view(self.test_view), name="messaging_route_test")]
        return own + super().get_urls()

    def test_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = RouteTestForm(request.GET or None)
        choice = None
        if form.is_valid():
            data = form.cleaned_data
            choice = route_choose(team_id=data["team"] or 0, number=data["number"], sender=data["sender"])
        context = {
            **self.admin_site.each_context(request),
            "title": "Test a number against the routes",
            "form": form,
            "choice": choice,
            "opts": self.model._meta,
        }
        return render(request, "admin/messaging/route/test.html", context)


@admin.register(SubmitAttempt)
class SubmitAttemptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    change_list_template = "admin/messaging/submitattempt/change_list.html"
    list_display = ("at", "message", "connector_name", "outcome", "country", "cost", "error")
    list_filter = ("outcome", "connector_name", "country")
    search_fields = ("=message__uuid", "connector_name")
    date_hierarchy = "at"
    show_full_result_count = False

    def get_urls(self):
        own = [path("margins/", self.admin_site.admin_view(self.margins_view), name="messaging_margins")]
        return own + super().get_urls()

    def margins_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = MarginsForm(request.GET or None)
        since, until = form.period()
        rows = margin_list(since=since, until=until)
        context = {
            **self.admin_site.each_context(request),
            "title": "Margins per country and connector",
            "form": form,
            "rows": rows,
            "total": MarginRow(
                "",
                "",
                sum(r.messages for r in rows),
                sum((r.charged for r in rows), Decimal(0)),
                sum((r.cost for r in rows), Decimal(0)),
            ),
            "opts": self.model._meta,
        }
        return render(request, "admin/messaging/submitattempt/margins.html", context)
