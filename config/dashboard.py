"""The operator dashboard's pages, gathered from the apps under one namespace."""

from django.urls import include, path

from accounts import views as account_views

app_name = "dashboard"

urlpatterns = [
    path("", account_views.OverviewView.as_view(), name="overview"),
    path("team/", account_views.TeamView.as_view(), name="team"),
    path("team/users/<int:user_id>/", account_views.UserEditView.as_view(), name="user-edit"),
    path("keys/", account_views.ApiKeysView.as_view(), name="keys"),
    path("settings/", account_views.DeveloperSettingsView.as_view(), name="settings"),
    path("", include("config.dashboard_contacts")),
    path("", include("config.dashboard_otp")),
]
