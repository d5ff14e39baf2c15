"""The admin's read-only pages: what only services write (the ledger, hand-over attempts, parts of
replies waiting for the rest) is shown to support staff, never added, edited or deleted there."""


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
