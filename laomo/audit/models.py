"""The audit log: who did what to which record, from where, and with what outcome.

Entries are written once and never changed or deleted by anyone, through any page, the admin, the
API or a command. The one exception is the retention purge (`laomo purge-audit`): entries older
than the retention period, which may not be set below `MIN_RETENTION_DAYS`, leave through
`AuditQuerySet.purge_before`, and the purge itself is recorded.

The ORM refuses here; the database refuses too (triggers, migrations 0005 and 0007): an UPDATE of
any entry, a DELETE of one younger than `MIN_RETENTION_DAYS`, and an INSERT that would take an
existing entry's id (SQLite's REPLACE and INSERT OR REPLACE delete the old row without firing
DELETE triggers), whatever SQL the app's account sends.

Entries are chained (`laomo.audit.chain`): each carries the hash of the one before it and of its
own content, so that what the triggers cannot stop (a table owner dropping them, an old copy of
the file put back) shows as a break in the chain (`laomo audit-verify`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from laomo.core.dates import cn_datetime, cn_moment
from laomo.core.roles import PERMISSION_NAMES, Role
from laomo.core.scoping import ScopedModel, ScopedQuerySet

# 等保2.0 (GB/T 22239-2019) asks that audit records be kept at least six months.
MIN_RETENTION_DAYS = 183


class AuditQuerySet(ScopedQuerySet):
    def for_view(self, scope):
        if not scope.can("audit.view"):
            return self.none()
        return self.filter(region_path__startswith=scope.region.path)

    def update(self, **kwargs):
        raise PermissionError("审计记录不可修改")

    def delete(self):
        raise PermissionError("审计记录不可删除")

    def purge_before(self, cutoff: datetime) -> tuple[int, AuditEntry | None]:
        """Delete the entries older than `cutoff`, which must lie at least `MIN_RETENTION_DAYS`
        in the past; return how many, and the oldest entry left. Only
        `laomo.audit.services.purge_expired` calls this; it records the purge and where the
        chain now begins.

        Only the oldest run of the chain goes: entries up to the first one that is not yet
        expired. (Were the clock ever set back, an expired entry written after a younger one
        stays a while longer, and the chain has no hole in the middle.)"""
        if cutoff > timezone.now() - timedelta(days=MIN_RETENTION_DAYS):
            raise PermissionError(f"审计记录至少保留{MIN_RETENTION_DAYS}天")
        everything = self.unrestricted().order_by("pk")
        kept = everything.filter(at__gte=cutoff).first()
        expired = self.filter(at__lt=cutoff)
        if kept is not None:
            expired = expired.filter(pk__lt=kept.pk)
        deleted = models.QuerySet.delete(expired)[1].get(self.model._meta.label, 0)
        return deleted, everything.first()


DETAIL_LABELS = {
    "from": "原状态：{value}",
    "to": "新状态：{value}",
    "lecturer": "宣讲员：{value}",
    "masked": "号码：{value}",
    "reason": "原因：{value}",
    "filename": "文件：{value}",
    "rows": "共{value}行",
    "created": "新增{value}人",
    "updated": "更新{value}人",
    "unchanged": "未变{value}人",
    "honours_added": "新增荣誉{value}项",
    "members_added": "加入宣讲团{value}人",
    "member_added": "加入成员：{value}",
    "member_removed": "移出成员：{value}",
    "role": "角色：{value}",
    "source": "来源：{value}",
    "username": "使用的用户名：{value}",
    "method": "方式：{value}",
    "minutes": "锁定{value}分钟",
    "retention_days": "保留{value}天",
    "before": "清理{value}之前的记录",
    "deleted": "删除{value}条",
    "oldest": "最早一条：{value}",
    "size": "大小：{value}字节",
    "sha256": "SHA-256：{value}",
    "created_at": "备份时间：{value}",
    "files": "文件{value}个",
    "expires": "有效期至{value}",
    "codes": "恢复码{value}个",
    "remaining": "剩余恢复码{value}个",
    "retimed": "是否改动时间：{value}",
    "lecturers_added": "新邀请宣讲员：{value}",
    "report": "第{value}次报送",
    "consent": "{value}",
    "kind": "类别：{value}",
    "path": "地址栏：{value}",
    "http_method": "请求方式：{value}",
    "count": "同一时段共{value}次",
    "action": "请求的操作：{value}",
    "permission": "缺少的权限：{value}",
    "chain_from": "此后的记录从编号{value}开始",
    "ips": "地址：{value}",
}

# A key no label names yet is still shown in Chinese, never as the programme's key.
OTHER_DETAIL = "其他：{value}"


def detail_value(value) -> str:
    """A value of an entry's data as text for a reader: lists joined, yes/no, Beijing times."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(detail_value(item) for item in value)
    if value is None:
        return ""
    return str(cn_moment(value))


# What a caller asked to do with an object outside its scope, as `ScopedQuerySet` names it.
REQUESTED_ACTIONS = {
    "view": "查看",
    "open": "查看",
    "own": "查看",
    "change": "修改",
    "archive": "归档",
    "report": "报送资料",
    "review": "验收",
    "invite": "邀请宣讲员",
    "respond": "答复邀请",
    "consent": "同意公开展示",
    "reveal": "查看完整电话",
    "showcase": "公开展示",
}


class Refusal(models.TextChoices):
    """What was refused (`laomo.audit.services.record_refusal`), and under which event."""

    SCOPE = "scope", "范围以外的对象"
    PERMISSION = "permission", "无此权限"
    METHOD = "method", "不允许的请求方式"
    UPLOAD = "upload", "上传的文件被拒绝"
    IMPORT = "import", "导入的文件被拒绝"
    TOKEN = "token", "API 令牌被拒绝"


OUTCOME_LABELS = {"success": "成功", "failure": "失败", "denied": "拒绝"}


def _field_labels(object_type: str) -> dict[str, str]:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return {
        field.name: str(field.verbose_name)
        for field in model._meta.get_fields()
        if hasattr(field, "verbose_name")
    }


class AuditEntry(ScopedModel):
    """One event. Entries are written once and never changed."""

    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "修改"
        ARCHIVE = "archive", "归档"
        RESTORE = "restore", "恢复"
        REVEAL_PHONE = "reveal_phone", "查看完整电话"
        IMPORT = "import", "导入"
        EXPORT = "export", "导出"
        TRANSITION = "transition", "状态变更"
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKOUT = "lockout", "锁定"
        LOGOUT = "logout", "退出登录"
        PASSWORD_CHANGE = "password_change", "修改密码"
        TOTP_ENROL = "totp_enrol", "启用动态口令"
        RECOVERY_CODES = "recovery_codes", "生成恢复码"
        TOTP_RESET = "totp_reset", "重置两步验证"
        TOKEN_REFUSED = "token_refused", "API 令牌被拒绝"
        RATE_LIMITED = "rate_limited", "API 调用过于频繁"
        ACCESS_DENIED = "access_denied", "越权访问"
        UPLOAD_REFUSED = "upload_refused", "文件被拒绝"
        LOCKOUT_RESET = "lockout_reset", "解除锁定"
        PURGE = "purge", "清理过期审计记录"
        BACKUP = "backup", "数据备份"
        RECOVER = "recover", "从备份恢复"
        URGE = "urge", "催报"

    # Stamped by `record` before the entry is hashed (not by auto_now_add, which stamps it later).
    at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        # An account that acted is deactivated, not deleted: deleting it would rewrite its
        # entries. Once the purge has removed them, the account may go.
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    ip = models.GenericIPAddressField("地址", null=True, blank=True)
    action = models.CharField("事件", max_length=20, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    region_path = models.CharField("所属区划路径", max_length=255, blank=True, db_index=True)
    outcome = models.CharField("结果", max_length=20, default="success")
    data = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField("前一条记录的哈希", max_length=64, default="", editable=False)
    hash = models.CharField("本条记录的哈希", max_length=64, default="", editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{cn_datetime(self.at)} {self.actor_name} {self.get_action_display()}"

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def details(self) -> list[str]:
        """The entry's data as a reader of the log wants it: 单位：旧 → 新, 新增3人 …"""
        lines = []
        for key, value in self.data.items():
            if key == "changed":
                labels = _field_labels(self.object_type)
                for name, (old, new) in value.items():
                    old, new = detail_value(old), detail_value(new)
                    label = labels.get(name, "其他字段")
                    lines.append(f"{label}：{old or '—'} → {new or '—'}")
            elif key == "honours":
                lines.extend(value)
            elif key == "kind":
                lines.append(
                    DETAIL_LABELS[key].format(value=dict(Refusal.choices).get(value, value))
                )
            elif key == "role":
                lines.append(DETAIL_LABELS[key].format(value=dict(Role.choices).get(value, value)))
            elif key == "action":
                lines.append(DETAIL_LABELS[key].format(value=REQUESTED_ACTIONS.get(value, "其他")))
            elif key == "reason" and self.data.get("kind") == Refusal.PERMISSION:
                named = PERMISSION_NAMES.get(value, value)
                lines.append(DETAIL_LABELS["permission"].format(value=named))
            elif key in DETAIL_LABELS:
                if value not in ("", None, []):
                    lines.append(DETAIL_LABELS[key].format(value=detail_value(value)))
            elif value not in ("", None, []):
                lines.append(OTHER_DETAIL.format(value=detail_value(value)))
        if (repeats := self.repeats) > 1:
            lines.append(DETAIL_LABELS["count"].format(value=repeats))
        return lines

    @property
    def repeats(self) -> int:
        """How many times this refusal came within its hour (`RefusalWindow`); 1 otherwise."""
        try:
            return self.window.count
        except AuditEntry.window.RelatedObjectDoesNotExist:
            return 1

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除")


class RefusalWindow(models.Model):
    """Refusals of one kind to one account (or to anonymous callers) from one address, within
    `laomo.audit.services.REFUSAL_WINDOW` of the first: the first is an audit entry, in full; the
    others are counted here, so that a scanner's thousands of requests leave one entry and a
    count instead of drowning the log. (The count is the application's bookkeeping beside the
    entry; the entry itself is chained and guarded like every other.)"""

    key = models.CharField("归并键", max_length=200)
    started_at = models.DateTimeField("首次时间")
    last_at = models.DateTimeField("最近一次时间")
    count = models.PositiveIntegerField("次数", default=1)
    entry = models.OneToOneField(
        AuditEntry,
        verbose_name="审计记录",
        on_delete=models.CASCADE,  # purged with its entry
        related_name="window",
    )

    class Meta:
        verbose_name = "拒绝计数"
        verbose_name_plural = "拒绝计数"
        indexes = [models.Index(fields=["key", "started_at"], name="audit_refusal_window")]

    def __str__(self) -> str:
        return f"{self.key} ×{self.count}"
