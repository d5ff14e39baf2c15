"""Dashboard pages of contacts, groups, templates and the blacklist (views in contacts/views.py)."""

urlpatterns: list = []
