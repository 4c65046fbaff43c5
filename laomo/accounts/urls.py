"""Signing in and out, and the account's own security settings. Not namespaced: `login` is
settings.LOGIN_URL and every template's sign-out form names `logout`."""

from django.contrib.auth import views as auth_views
from django.urls import path

from laomo.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.LoginCodeView.as_view(), name="login-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/two-factor/", views.TwoFactorView.as_view(), name="two-factor"),
    path(
        "account/two-factor/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="recovery-codes",
    ),
    path(
        "account/two-factor/replace/",
        views.ReplaceAuthenticatorView.as_view(),
        name="two-factor-replace",
    ),
    path(
        "accounts/two-factor-reset/", views.SecondFactorResetView.as_view(), name="two-factor-reset"
    ),
]
