from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from laomo.accounts import services


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。用户名不区分大小写，密码区分大小写。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"class": "form-control", "autofocus": True})
        self.fields["password"].widget.attrs.update({"class": "form-control"})


class CodeForm(forms.Form):
    """The six digits an authenticator app shows."""

    code = forms.CharField(
        label=_("动态口令"),
        max_length=12,
        help_text=_("打开手机上的身份验证器，输入本平台当前显示的6位数字。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("请输入验证器中显示的6位数字。"))
        return code


class SignInCodeForm(CodeForm):
    """At sign-in: the six digits of the authenticator, or one of the recovery codes. `kind`
    says which was typed ("totp" or "recovery")."""

    RECOVERY_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")

    kind = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = _("动态口令或恢复码")
        field.help_text = _(
            "打开手机上的身份验证器，输入本平台当前显示的6位数字；"
            "手机丢失或不在身边时，可输入一个恢复码（每个只能用一次）。"
        )
        field.widget.attrs.pop("inputmode", None)

    def clean_code(self):
        text = self.cleaned_data["code"]
        digits = "".join(text.split())
        if digits.isdigit() and len(digits) == 6:
            self.kind = "totp"
            return digits
        code = services.read_recovery_code(text)
        if len(code) == 8 and set(code) <= self.RECOVERY_ALPHABET:
            self.kind = "recovery"
            return code
        raise forms.ValidationError(
            _("请输入验证器中显示的6位数字，或一个恢复码（8位字母和数字，如 abcd-efgh）。")
        )


class PasswordConfirmForm(forms.Form):
    """The signed-in user's password, asked again before a change to their second factor."""

    password = forms.CharField(
        label=_("当前密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("密码不正确。"))
        return password


class SecondFactorResetForm(forms.Form):
    """A city official resets the second factor of an account within the city."""

    user = forms.ModelChoiceField(queryset=None, label=_("账号"))
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        help_text=_("如“手机丢失，本人电话申请”；记入审计日志，并通知该账号本人"),
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts
        self.fields["user"].label_from_instance = _account_label


def _account_label(user) -> str:
    return f"{user.username}（{user.display_name}）" if user.display_name else user.username


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The user's own new password: the validators of AUTH_PASSWORD_VALIDATORS, and not the one
    they have now."""

    def clean(self):
        cleaned_data = super().clean()
        password = cleaned_data.get("new_password1")
        if password and not self.errors and self.user.check_password(password):
            self.add_error("new_password1", _("新密码不能与当前密码相同。"))
        return cleaned_data

    def save(self, commit=True):
        services.change_password(
            self.user, self.cleaned_data["new_password1"], acting_user=self.user
        )
        return self.user


class _PasswordSetByAdmin:
    """A password an administrator chose in the admin, for a new account or as a reset: the
    user must replace it at their next sign-in."""

    def set_password_and_save(self, user, commit=True, **kwargs):
        user = super().set_password_and_save(user, commit=False, **kwargs)
        if user.has_usable_password():
            services.set_password_by_admin(user, None)
        if commit:
            user.save()
        return user


class AdminUserCreationForm(_PasswordSetByAdmin, auth_forms.AdminUserCreationForm):
    def clean_username(self):
        """User names are unique without regard to case; say which account is in the way."""
        username = self.cleaned_data.get("username")
        model = self._meta.model
        twin = model.objects.filter(username__iexact=username).first() if username else None
        if twin is not None:
            raise forms.ValidationError(
                _("已有账号 {existing}：用户名不区分大小写，请换一个。").format(
                    existing=twin.username
                ),
                code="unique",
            )
        return username


class AdminPasswordChangeForm(_PasswordSetByAdmin, auth_forms.AdminPasswordChangeForm):
    pass
