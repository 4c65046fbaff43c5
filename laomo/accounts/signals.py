"""Sign-in events into the audit log (等保2.0 安全审计), and the session clock at sign-in.

Django's auth signals report sign-ins, failures and sign-outs from every place that causes them
(the sign-in pages, the admin, the session policy); django-axes reports a lockout.
"""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from laomo.accounts import signin
from laomo.accounts.models import User
from laomo.accounts.services import audit_region
from laomo.audit.models import AuditEntry
from laomo.audit.services import record


@receiver(user_logged_in, dispatch_uid="laomo_sign_in")
def signed_in(sender, request, user, **kwargs):
    signin.start_clock(request.session)
    method = getattr(request, "laomo_sign_in_method", "") or _("密码")
    record(
        AuditEntry.Action.LOGIN,
        actor=user,
        obj=user,
        region=audit_region(user),
        data={"method": method, **getattr(request, "laomo_sign_in_data", {})},
    )


@receiver(user_login_failed, dispatch_uid="laomo_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")[:150]
    if getattr(request, "laomo_locked_out", False):
        reason = _("账号或地址已锁定，未核对密码")
    else:
        reason = getattr(request, "laomo_failure_reason", "") or _("用户名或密码不正确")
    target = User.objects.filter(username__iexact=username).first() if username else None
    record(
        AuditEntry.Action.LOGIN_FAILED,
        actor_name=username or _("（未填用户名）"),
        obj=target,
        object_type="" if target else "accounts.user",
        object_repr=username,
        region=audit_region(target),
        outcome="failure",
        data={"username": username, "reason": reason},
    )


@receiver(user_locked_out, dispatch_uid="laomo_locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    if getattr(request, "laomo_locked_out", False):
        return  # a further try while locked: its failure entry says so
    username = str(username or "")[:150]
    target = User.objects.filter(username__iexact=username).first() if username else None
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    record(
        AuditEntry.Action.LOCKOUT,
        actor_name=username or _("（未填用户名）"),
        obj=target,
        object_type="" if target else "accounts.user",
        object_repr=username,
        region=audit_region(target),
        outcome="denied",
        data={
            "username": username,
            "reason": _("登录失败次数达到上限（{n}次）").format(n=settings.AXES_FAILURE_LIMIT),
            "minutes": minutes,
        },
    )


@receiver(user_logged_out, dispatch_uid="laomo_sign_out")
def signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    record(
        AuditEntry.Action.LOGOUT,
        actor=user,
        obj=user,
        region=audit_region(user),
        data={"reason": getattr(request, "laomo_logout_reason", "") or _("本人退出")},
    )
