"""Site messages: every notice is kept here, then handed to the other channels (e-mail, and any
adapter configured; see laomo.notices.channels)."""

from django.conf import settings
from django.db import models

from laomo.core.scoping import ScopedModel, ScopedQuerySet


class NotificationQuerySet(ScopedQuerySet):
    def for_view(self, scope):
        if scope.user_id is None:
            return self.none()
        return self.filter(user_id=scope.user_id)

    def for_change(self, scope):
        return self.for_view(scope)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(ScopedModel):
    """One message to one user. `key` makes a reminder idempotent: the same reminder for the same
    talk and user is sent once, however often the reminder command runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=30)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    action = models.CharField(
        "下一步", max_length=200, blank=True, help_text="收到消息的人接下来要做什么"
    )
    url = models.CharField("链接", max_length=300, blank=True)
    key = models.CharField("去重键", max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        """The absolute address of `url`, for a message read outside the site."""
        return f"{settings.LAOMO_SITE_URL.rstrip('/')}{self.url}" if self.url else ""

    def plain_text(self) -> str:
        """The body, what to do next and the link, as a mail or a text message says them."""
        action = f"下一步：{self.action}" if self.action else ""
        return "\n\n".join(part for part in (self.body, action, self.link) if part)
