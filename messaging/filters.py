"""The message history filter, shared by the dashboard and every dialect's list endpoint."""

import django_filters
from django import forms
from django.db.models import Q

from messaging.models import Direction, Message, Status
from messaging.vocabulary import STATUS_GROUPS

DATE = forms.DateInput(attrs={"type": "date"})


class MessageFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    status_group = django_filters.ChoiceFilter(
        choices=[(name, name.title()) for name in STATUS_GROUPS], method="filter_status_group", label="Status"
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From", widget=DATE
    )
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To", widget=DATE
    )
    sent_after = django_filters.DateFilter(field_name="sent_at", lookup_expr="date__gte")
    sent_before = django_filters.DateFilter(field_name="sent_at", lookup_expr="date__lte")
    number = django_filters.CharFilter(method="filter_number", label="Number")
    recipient = django_filters.CharFilter(field_name="recipient", lookup_expr="contains")
    sender = django_filters.CharFilter(field_name="sender", lookup_expr="contains")
    text = django_filters.CharFilter(field_name="text", lookup_expr="icontains")
    campaign = django_filters.CharFilter()
    data_field = django_filters.CharFilter()
    client_ref = django_filters.CharFilter()
    batch = django_filters.NumberFilter(field_name="batch_id")
    is_read = django_filters.BooleanFilter(label="Read")
    is_deleted = django_filters.BooleanFilter(label="Deleted")
    reply_to = django_filters.UUIDFilter(field_name="reply_to__uuid")

    class Meta:
        model = Message
        fields: list[str] = []

    def filter_queryset(self, queryset):
        # Deleted messages stay out of history unless asked for.
        if self.form.cleaned_data.get("is_deleted") is None:
            queryset = queryset.filter(is_deleted=False)
        return super().filter_queryset(queryset)

    def filter_status_group(self, queryset, name, value):
        return queryset.filter(status__in=STATUS_GROUPS[value])

    def filter_number(self, queryset, name, value):
        digits = "".join(ch for ch in value if ch.isdigit())
        return queryset.filter(Q(recipient__contains=digits) | Q(sender__contains=digits)) if digits else queryset
