"""REST API v1 contacts, groups and templates (views in api/rest_v1/contacts.py)."""

urlpatterns: list = []
