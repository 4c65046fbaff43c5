from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from laomo.accounts import services


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。请注意区分大小写。"),
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
    pass


class AdminPasswordChangeForm(_PasswordSetByAdmin, auth_forms.AdminPasswordChangeForm):
    pass
