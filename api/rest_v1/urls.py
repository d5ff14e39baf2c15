from django.urls import path

from . import account

urlpatterns = [
    path("account/balance", account.AccountBalanceApi.as_view()),
    path("account/transfer", account.AccountTransferApi.as_view()),
    path("account/user", account.AccountUserApi.as_view()),
    path("account/user/<str:user_id>", account.AccountUserDetailApi.as_view()),
]
