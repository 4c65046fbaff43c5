"""Signing in (password, then the code of a second factor when the account has one, or a recovery
code), changing the password, setting up the second factor and its recovery codes, and a city
official resetting the second factor of an account whose phone is lost."""

from abc import ABC, abstractmethod

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from laomo.accounts import services, signin
from laomo.accounts.forms import (
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    SecondFactorResetForm,
    SignInCodeForm,
)
from laomo.accounts.signals import sign_in_failed
from laomo.core.scoping import refused


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
    """The second step: the password was right; the code of the user's authenticator signs in,
    or one of their recovery codes, which is spent.

    A wrong code is a failed sign-in like a wrong password: it is logged and counts towards the
    lockout of the account and the address."""

    template_name = "accounts/login_code.html"
    form_class = SignInCodeForm

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
        if services.totp_device(self.user) is None:
            return redirect("login")
        recovery = form.kind == "recovery"
        device = (services.recovery_device if recovery else services.totp_device)(self.user)
        if device is not None and not device.verify_is_allowed()[0]:
            # Recorded as a failed sign-in, though not counted towards the lockout: the code
            # was not even checked.
            request.laomo_failure_reason = _("动态口令尝试过于频繁，未核对")
            sign_in_failed(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", _("尝试过于频繁，请稍等片刻再输入。"))
            return self.form_invalid(form)
        code = form.cleaned_data["code"]
        if recovery:
            right = device is not None and services.use_recovery_code(device, code)
        else:
            right = device.verify_token(code)
        if not right:
            request.laomo_failure_reason = _("恢复码不正确") if recovery else _("动态口令不正确")
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error(
                "code",
                _("恢复码不正确或已用过。")
                if recovery
                else _("动态口令不正确或已过期，请输入验证器中最新显示的6位数字。"),
            )
            return self.form_invalid(form)
        next_url = signin.finish_second_step(request)
        if recovery:
            left = device.token_set.count()
            request.laomo_sign_in_method = _("密码和恢复码")
            request.laomo_sign_in_data = {"remaining": left}
        else:
            request.laomo_sign_in_method = _("密码和动态口令")
        login(request, self.user, backend=self.user.backend)
        if recovery:
            messages.warning(
                request,
                _(
                    "您用一个恢复码登录，还剩{n}个。手机丢失或更换时，请在“两步验证”页更换验证器；"
                    "恢复码用完之前请重新生成。"
                ).format(n=left),
            )
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


# Recovery codes just made wait here for the next view of the two-factor page, which shows them
# once and forgets them.
NEW_CODES = "laomo_new_recovery_codes"


class TwoFactorView(FormView):
    """Setting up the second factor: scan the QR code (or type the key) into an authenticator
    app, and enter the code it shows. The key waits in the session until the code confirms it.
    Ten recovery codes come with it, shown once on this page. With the second factor set up, the
    page offers new recovery codes and a new authenticator, each after the password again."""

    template_name = "accounts/two_factor.html"
    form_class = CodeForm
    success_url = reverse_lazy("two-factor")
    SESSION_KEY = "laomo_totp_key"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["device"] = services.totp_device(user)
        context["required"] = user.must_use_totp
        if context["device"] is not None:
            context.update(
                new_codes=self.request.session.pop(NEW_CODES, None),
                codes_left=services.recovery_codes_left(user),
                codes_form=PasswordConfirmForm(user=user, prefix=RecoveryCodesView.prefix),
                replace_form=PasswordConfirmForm(user=user, prefix=ReplaceAuthenticatorView.prefix),
            )
        else:
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
        self.request.session[NEW_CODES] = services.new_recovery_codes(user, acting_user=user)
        messages.success(
            self.request, _("已启用动态口令。以后登录时，输入密码后还需输入验证器中的口令。")
        )
        return super().form_valid(form)


class PasswordConfirmedView(View, ABC):
    """POST only, from the two-factor page: a change to one's own second factor, made once the
    password is given again (a session left open is not enough). Each has its own form on the
    page, told apart by `prefix`."""

    prefix: str

    def post(self, request):
        user = request.user
        if services.totp_device(user) is None:
            messages.error(request, _("请先启用动态口令。"))
            return redirect("two-factor")
        form = PasswordConfirmForm(request.POST, user=user, prefix=self.prefix)
        if not form.is_valid():
            messages.error(request, _("密码不正确，未作任何更改。"))
            return redirect("two-factor")
        self.confirmed(request, user)
        return redirect("two-factor")

    @abstractmethod
    def confirmed(self, request, user) -> None:
        """The change itself, once the password has been given again."""


class RecoveryCodesView(PasswordConfirmedView):
    """Ten new recovery codes; the old ones, used or not, stop working."""

    prefix = "codes"

    def confirmed(self, request, user) -> None:
        request.session[NEW_CODES] = services.new_recovery_codes(user, acting_user=user)
        messages.success(request, _("已生成新的恢复码，原有的恢复码全部作废。"))


class ReplaceAuthenticatorView(PasswordConfirmedView):
    """A new phone: the old authenticator and the recovery codes go, and the page sets up the
    new one (with new codes)."""

    prefix = "replace"

    def confirmed(self, request, user) -> None:
        services.reset_second_factor(user, acting_user=user, reason=_("本人更换验证器"))
        messages.info(request, _("已移除原来的验证器和恢复码。请用新手机设置动态口令。"))


class SecondFactorResetView(View):
    """A city official resets the second factor of an account in the city whose owner lost the
    phone and the recovery codes: the accounts within scope that have one, and a form with the
    reason. The owner signs in with the password and sets up a new authenticator."""

    template_name = "accounts/two_factor_reset.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.scope.can("accounts.reset_second_factor"):
            raise refused(request.scope, "accounts.reset_second_factor")
        return super().dispatch(request, *args, **kwargs)

    def accounts(self):
        enrolled = Q(pk__in=TOTPDevice.objects.values("user_id")) | Q(
            pk__in=StaticDevice.objects.values("user_id")
        )
        return (
            services.accounts_within(self.request.scope)
            .filter(enrolled)
            .select_related("region", "school", "person")
            .order_by("username")
        )

    def get(self, request):
        return self.show(SecondFactorResetForm(accounts=self.accounts()))

    def post(self, request):
        form = SecondFactorResetForm(request.POST, accounts=self.accounts())
        if not form.is_valid():
            return self.show(form, status=400)
        user = form.cleaned_data["user"]
        services.reset_second_factor(
            user, acting_user=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("已重置{name}的两步验证，已通知本人重新设置。").format(name=user.username)
        )
        return redirect("two-factor-reset")

    def show(self, form, status=200):
        page = Paginator(self.accounts(), 50).get_page(self.request.GET.get("page"))
        context = {
            "form": form,
            "accounts": page,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
        }
        return render(self.request, self.template_name, context, status=status)
