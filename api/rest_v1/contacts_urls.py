"""REST API v1 contacts, groups and templates (views in api/rest_v1/contacts.py)."""

from api.routing import path

from . import contacts

urlpatterns = [
    path("contacts/all", contacts.ContactsAllApi.as_view()),
    path("contacts/create", contacts.ContactCreateApi.as_view()),
    path("contacts/<str:contact_id>", contacts.ContactDetailApi.as_view()),
    path("contacts/<str:contact_id>/addToGroup/<str:group_id>", contacts.ContactGroupApi.as_view(add=True)),
    # "addFromGroup" removes, as the seed describes it; "removeFromGroup" is the same, better named.
    path("contacts/<str:contact_id>/addFromGroup/<str:group_id>", contacts.ContactGroupApi.as_view(add=False)),
    path("contacts/<str:contact_id>/removeFromGroup/<str:group_id>", contacts.ContactGroupApi.as_view(add=False)),
    path("groups/all", contacts.GroupsAllApi.as_view()),
    path("groups/create", contacts.GroupCreateApi.as_view()),
    path("groups/<str:group_id>", contacts.GroupDetailApi.as_view()),
    path("groups/<str:group_id>/addContact/<str:contact_id>", contacts.GroupContactApi.as_view(add=True)),
    path("groups/<str:group_id>/removeContact/<str:contact_id>", contacts.GroupContactApi.as_view(add=False)),
    path("templates/all", contacts.TemplatesAllApi.as_view()),
    path("templates/create", contacts.TemplateCreateApi.as_view()),
    path("templates/<str:template_id>", contacts.TemplateDetailApi.as_view()),
]
