"""Signing in (password, then the code of a second factor when the account has one), changing
the password, and setting up the second factor."""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView

from laomo.accounts import services, signin
from laomo.accounts.forms import CodeForm, LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ended"] = self.request.session.pop(signin.ENDED, "")
        return context

    def form_valid(self, form):
        user = form.get_user()
        if services.totp_device(user) is not None:
            signin.begin_second_step(self.request, user, self.get_redirect_url())
            return redirect("login-code")
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class LoginCodeView(FormView):
    """The second step: the password was right; the code of the user's authenticator signs in.

    A wrong code is a failed sign-in like a wrong password: it is logged and counts towards the
    lockout of the account and the address."""

    template_name = "accounts/login_code.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        self.user = signin.pending_user(request)
        if self.user is None:
            messages.info(request, _("请重新输入用户名和密码。"))
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.laomo_locked_out = True
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            return self.form_invalid(form)  # replaced by the lockout page (AxesMiddleware)
        device = services.totp_device(self.user)
        if device is None:
            return redirect("login")
        if not device.verify_is_allowed()[0]:
            form.add_error("code", _("尝试过于频繁，请稍等片刻再输入。"))
            return self.form_invalid(form)
        if not device.verify_token(form.cleaned_data["code"]):
            request.laomo_failure_reason = _("动态口令不正确")
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", _("动态口令不正确或已过期，请输入验证器中最新显示的6位数字。"))
            return self.form_invalid(form)
        next_url = signin.finish_second_step(request)
        request.laomo_second_factor = True
        login(request, self.user, backend=self.user.backend)
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = settings.LOGIN_REDIRECT_URL
        return redirect(next_url)

    def get_context_data(self, **kwargs):
        return super().get_context_data(pending=self.user, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers once an account or address is locked (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/locked_out.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reason"] = self.request.user.password_change_reason()
        context["max_age_days"] = settings.LAOMO_PASSWORD_MAX_AGE_DAYS
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        return response


class TwoFactorView(FormView):
    """Setting up the second factor: scan the QR code (or type the key) into an authenticator
    app, and enter the code it shows. The key waits in the session until the code confirms it."""

    template_name = "accounts/two_factor.html"
    form_class = CodeForm
    success_url = reverse_lazy("home")
    SESSION_KEY = "laomo_totp_key"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["device"] = services.totp_device(user)
        context["required"] = user.must_use_totp
        if context["device"] is None:
            key = self.request.session.get(self.SESSION_KEY)
            if not key:
                key = self.request.session[self.SESSION_KEY] = services.new_totp_key()
            uri = services.totp_setup_uri(user, key)
            context.update(
                setup_uri=uri,
                secret=services.totp_secret(key),
                qr=services.totp_qr_svg(uri),
            )
        return context

    def form_valid(self, form):
        user = self.request.user
        key = self.request.session.get(self.SESSION_KEY)
        if services.totp_device(user) is not None:
            return redirect("two-factor")
        if not key or services.enrol_totp(user, key, form.cleaned_data["code"]) is None:
            form.add_error(
                "code",
                _("动态口令不正确。请确认手机时间准确，并输入验证器中最新显示的6位数字。"),
            )
            return self.form_invalid(form)
        del self.request.session[self.SESSION_KEY]
        messages.success(
            self.request, _("已启用动态口令。以后登录时，输入密码后还需输入验证器中的口令。")
        )
        return super().form_valid(form)
