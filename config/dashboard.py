"""The operator dashboard's pages, gathered from the apps under one namespace."""

from django.urls import include, path

from accounts import views as account_views
from contacts import conversation_views, keyword_views
from contacts import views as contact_views
from messaging import views as messaging_views

app_name = "dashboard"

urlpatterns = [
    path("", messaging_views.OverviewView.as_view(), name="overview"),
    path("send/", contact_views.SendView.as_view(), name="send"),
    path("send/quote/", contact_views.QuoteView.as_view(), name="quote"),
    path("messages/", messaging_views.MessageListView.as_view(), name="messages"),
    path("messages/export.csv", messaging_views.MessageExportView.as_view(), name="messages-export"),
    path("messages/<uuid:message_id>/", messaging_views.MessageDetailView.as_view(), name="message"),
    path("scheduled/", messaging_views.ScheduledListView.as_view(), name="scheduled"),
    path("scheduled/<uuid:message_id>/cancel/", messaging_views.ScheduledCancelView.as_view(), name="scheduled-cancel"),
    path("inbox/", conversation_views.InboxView.as_view(), name="inbox"),
    path("inbox/<str:number>/", conversation_views.ConversationView.as_view(), name="conversation"),
    path("keywords/", keyword_views.KeywordListView.as_view(), name="keywords"),
    path("keywords/<int:keyword_id>/", keyword_views.KeywordEditView.as_view(), name="keyword-edit"),
    path("batches/", messaging_views.BatchListView.as_view(), name="batches"),
    path("batches/<int:batch_id>/", messaging_views.BatchDetailView.as_view(), name="batch"),
    path("insights/", messaging_views.InsightsView.as_view(), name="insights"),
    path("statistics/", messaging_views.StatisticsView.as_view(), name="statistics"),
    path("team/", account_views.TeamView.as_view(), name="team"),
    path("team/users/<int:user_id>/", account_views.UserEditView.as_view(), name="user-edit"),
    path("keys/", account_views.ApiKeysView.as_view(), name="keys"),
    path("settings/", account_views.DeveloperSettingsView.as_view(), name="settings"),
    path("", include("contacts.urls")),
    path("", include("otp.urls")),
]
