"""Dashboard pages of contacts, groups, templates and the blacklist (views in contacts/views.py)."""

from django.urls import path

from contacts import views

urlpatterns = [
    path("contacts/", views.ContactListView.as_view(), name="contacts"),
    path("contacts/new/", views.ContactCreateView.as_view(), name="contact-create"),
    path("contacts/export.csv", views.ContactExportView.as_view(), name="contacts-export"),
    path("contacts/import/", views.ContactImportView.as_view(), name="contacts-import"),
    path("contacts/import/<int:import_id>/", views.ContactImportDetailView.as_view(), name="contacts-import-detail"),
    path(
        "contacts/import/<int:import_id>/status.json",
        views.ContactImportStatusView.as_view(),
        name="contacts-import-status",
    ),
    path(
        "contacts/import/<int:import_id>/skipped.csv",
        views.ContactImportErrorsView.as_view(),
        name="contacts-import-errors",
    ),
    path("contacts/<int:contact_id>/", views.ContactEditView.as_view(), name="contact-edit"),
    path("contacts/<int:contact_id>/delete/", views.ContactDeleteView.as_view(), name="contact-delete"),
    path("groups/", views.GroupListView.as_view(), name="groups"),
    path("groups/export.csv", views.GroupExportView.as_view(), name="groups-export"),
    path("groups/send/", views.GroupSendView.as_view(), name="group-send"),
    path("groups/<int:group_id>/", views.GroupDetailView.as_view(), name="group-detail"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/new/", views.TemplateCreateView.as_view(), name="template-create"),
    path("templates/<int:template_id>/", views.TemplateEditView.as_view(), name="template-edit"),
    path("blacklist/", views.BlacklistView.as_view(), name="blacklist"),
    path("blacklist/export.csv", views.BlacklistExportView.as_view(), name="blacklist-export"),
]
