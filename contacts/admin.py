from django.contrib import admin

from contacts.models import BlacklistEntry


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    list_display = ("number", "team", "source", "created_at")
    list_filter = ("source",)
    list_select_related = ("team",)
    search_fields = ("number", "team__name")
