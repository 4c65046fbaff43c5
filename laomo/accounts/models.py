"""Accounts: one role per user, tied to a region, a school or a person; API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Sum
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from laomo.core.roles import CITY_ROLES, COUNTY_ROLES, Role


class AccountManager(UserManager):
    """User names are told apart without regard to case: `SEC-CASE` and `sec-case` are one
    account, found by either at sign-in (and by everything else that looks a user up by name)."""

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who signs in. The role decides what they may do; region, school or person
    decides where. User names are unique without regard to case."""

    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="市级角色填市，县级角色填县（区）",
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name="所属学校",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="本人档案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    display_name = models.CharField("显示名称", max_length=60, blank=True)
    password_changed_at = models.DateTimeField(
        "密码设置时间",
        null=True,
        blank=True,
        help_text="密码每90天须更换一次；为空时下次登录须先设置新密码",
    )
    must_change_password = models.BooleanField(
        "须修改密码",
        default=False,
        help_text="管理员设置或重置的密码，本人首次登录时须先改成自己的密码",
    )
    is_demo = models.BooleanField(
        "演示账号",
        default=False,
        help_text="由 laomo seed-demo 建立，使用公开的演示密码；其他账号不能使用演示密码",
    )

    objects = AccountManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_case_unique",
                violation_error_message="已有只差大小写的同名账号：用户名不区分大小写，请换一个",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def password_change_reason(self) -> str:
        """Why this user must set a new password before anything else; "" when they need not."""
        if not self.has_usable_password():
            return ""
        if self.must_change_password:
            return _("这是管理员为您设置的密码，请先设置一个只有您自己知道的新密码。")
        max_age = timedelta(days=settings.LAOMO_PASSWORD_MAX_AGE_DAYS)
        if self.password_changed_at is None or timezone.now() - self.password_changed_at > max_age:
            return _("您的密码已使用超过{days}天，请设置新密码后继续。").format(
                days=settings.LAOMO_PASSWORD_MAX_AGE_DAYS
            )
        return ""

    def locked_until(self):
        """When the sign-in lockout of this account's user name (django-axes: too many failed
        sign-ins, from any address) lifts; None when it is not locked. Read as axes reads it:
        the failures counted within the cool-off time, the lock running from the latest."""
        from axes.models import AccessAttempt

        cool_off = settings.AXES_COOLOFF_TIME
        attempts = AccessAttempt.objects.filter(username=self.username)
        if cool_off is not None:
            attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
        found = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (found["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
            return None
        # Without a cool-off time the lock holds until an administrator resets it.
        return found["last"] + cool_off if cool_off is not None else timezone.datetime.max

    @property
    def is_city_admin(self) -> bool:
        """The city's administrators: its union and education bureau accounts, and whoever may
        use the Django admin."""
        return self.is_superuser or self.is_staff or self.role in CITY_ROLES

    @property
    def must_use_totp(self) -> bool:
        return settings.LAOMO_REQUIRE_TOTP_FOR_ADMINS and self.is_city_admin

    @property
    def scope_region(self):
        """The region this account works in; a school's or a person's own for those roles."""
        if self.role == Role.SCHOOL and self.school_id:
            return self.school.region
        if self.role == Role.LECTURER and self.person_id:
            return self.person.region
        return self.region

    def clean(self):
        super().clean()
        errors = {}
        if self.role in CITY_ROLES:
            if not self.region or self.region.level not in ("city", "province", "country"):
                errors["region"] = _("市级角色须指定一个市（地级）区划")
        elif self.role in COUNTY_ROLES:
            if not self.region or not self.region.is_county_level:
                errors["region"] = _("县级角色须指定一个县（区）或开发区")
        elif self.role == Role.SCHOOL and not self.school_id:
            errors["school"] = _("学校联络人须指定所属学校")
        elif self.role == Role.LECTURER and not self.person_id:
            errors["person"] = _("劳模工匠账号须关联本人档案")
        if errors:
            raise ValidationError(errors)


# The longest a token may be issued for: a machine credential is renewed at least once a year.
MAX_API_TOKEN_DAYS = 365


def api_token_expiry():
    """When a token issued now expires: `LAOMO_API_TOKEN_DAYS` days on."""
    return timezone.now() + timedelta(days=settings.LAOMO_API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def matching(self, raw: str):
        """The token `raw` names, if any: revoked and expired ones too (`refusal` says why those
        are refused)."""
        return self.filter(key_hash=ApiToken.hash(raw))


class ApiToken(models.Model):
    """A bearer token for /api/v1. Only its SHA-256 is stored; the token is shown once.

    A machine credential: it lives until it expires or is revoked, or its account is deactivated,
    but does not depend on the account's password (an expired password or one an administrator
    set stops the browser sessions, not the integrations)."""

    PREFIX = "lm_"

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    hint = models.CharField("令牌前缀", max_length=12)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    expires_at = models.DateTimeField(
        "到期时间", default=api_token_expiry, help_text="到期后令牌不再有效，须重新签发"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.hint}…"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, days: int | None = None) -> tuple["ApiToken", str]:
        """A new token for `user`, valid `days` days (default `LAOMO_API_TOKEN_DAYS`)."""
        days = settings.LAOMO_API_TOKEN_DAYS if days is None else days
        if not 1 <= days <= MAX_API_TOKEN_DAYS:
            raise ValueError(
                _("令牌有效期应为1到{limit}天，不能是{days}天").format(
                    limit=MAX_API_TOKEN_DAYS, days=days
                )
            )
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=cls.hash(raw),
            hint=raw[:10],
            expires_at=timezone.now() + timedelta(days=days),
        )
        return token, raw

    def refusal(self) -> str:
        """Why this token may not be used now, in words for its caller; "" when it may. A revoked
        token and a deactivated account's are refused in the words an unknown token is: the
        caller learns nothing about the account. While the account is locked out of sign-in
        (someone kept guessing its password), its tokens wait too: whoever holds the password may
        hold more, and the lock is the moment to look."""
        if self.revoked_at is not None or not self.user.is_active:
            return _("令牌无效或已吊销")
        if (until := self.user.locked_until()) is not None:
            if until == timezone.datetime.max:
                return _("账号因登录失败次数过多已被锁定，解除锁定前令牌不能使用")
            return _("账号因登录失败次数过多已被锁定，{time}前令牌不能使用").format(
                time=f"{timezone.localtime(until):%Y年%-m月%-d日 %H:%M}"
            )
        if self.expires_at <= timezone.now():
            return _("令牌已于{date}过期，请联系管理员重新签发").format(
                date=f"{timezone.localtime(self.expires_at):%Y年%-m月%-d日 %H:%M}"
            )
        return ""

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
