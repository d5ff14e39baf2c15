from django.contrib import admin
from django.db.models import Count

from contacts.models import Contact, ContactImport, Group, Membership, Template


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("group", "contact")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("number", "first_name", "last_name", "title", "email", "team", "created_at")
    list_filter = ("created_at", ("team", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("team",)
    search_fields = ("number", "first_name", "last_name", "email", "team__name")
    raw_id_fields = ("team",)
    date_hierarchy = "created_at"
    inlines = [MembershipInline]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "members", "created_at")
    list_filter = ("created_at", ("team", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("team",)
    search_fields = ("name", "team__name")
    raw_id_fields = ("team",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(ordering="member_count")
    def members(self, group: Group) -> int:
        return group.member_count


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "variables_used", "updated_at")
    list_filter = ("updated_at", ("team", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("team",)
    search_fields = ("name", "text", "team__name")
    raw_id_fields = ("team",)

    @admin.display(description="variables")
    def variables_used(self, template: Template) -> str:
        return ", ".join(template.variables)


@admin.register(ContactImport)
class ContactImportAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "team",
        "kind",
        "filename",
        "status",
        "total_rows",
        "created_count",
        "skipped_count",
        "created_at",
    )
    list_filter = ("status", "kind", "created_at")
    list_select_related = ("team",)
    search_fields = ("filename", "team__name", "user__email")
    raw_id_fields = ("team", "user", "group")
    exclude = ("content",)
    readonly_fields = (
        "status", "total_rows", "record_count", "processed_rows", "created_count", "skipped_count",
        "grouped_count", "errors", "failure", "started_at", "finished_at", "encoding", "size",
    )  # fmt: skip
