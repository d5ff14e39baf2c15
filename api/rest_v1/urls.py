from django.urls import include

from api.routing import path

from . import account, messages, sms

urlpatterns = [
    path("", include("api.rest_v1.contacts_urls")),
    path("account/balance", account.AccountBalanceApi.as_view()),
    path("account/statistics", messages.AccountStatisticsApi.as_view()),
    path("account/transfer", account.AccountTransferApi.as_view()),
    path("account/user", account.AccountUserApi.as_view()),
    path("account/user/<str:user_id>", account.AccountUserDetailApi.as_view()),
    path("sms/send", sms.SmsSendApi.as_view()),
    path("sms/send-bulk", sms.SmsSendBulkApi.as_view()),
    path("sms/send-url-parameters", sms.SmsSendUrlParametersApi.as_view()),
    path("sms/send-url/<str:token>", sms.SmsSendUrlTokenApi.as_view()),
    path("messages/all", messages.MessagesAllApi.as_view()),
    path("messages/analyse/full", messages.AnalyseApi.as_view(part="full")),
    path("messages/analyse/message-credit-cost", messages.AnalyseApi.as_view(part="message-credit-cost")),
    path("messages/analyse/message-encoding", messages.AnalyseApi.as_view(part="message-encoding")),
    path("messages/analyse/message-length", messages.AnalyseApi.as_view(part="message-length")),
    path(
        "messages/analyse/message-length-within-max-allowed",
        messages.AnalyseApi.as_view(part="message-length-within-max-allowed"),
    ),
    path("messages/analyse/number-of-messages", messages.AnalyseApi.as_view(part="number-of-messages")),
    path("messages/<str:message_id>", messages.MessageDetailApi.as_view()),
    path("messages/<str:message_id>/markRead", messages.MessageMarkApi.as_view(read=True)),
    path("messages/<str:message_id>/markUnread", messages.MessageMarkApi.as_view(read=False)),
]
