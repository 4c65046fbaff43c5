"""Sending notifications: in the app always, by e-mail when the user has an address."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from laomo.notices.models import Notification

log = logging.getLogger(__name__)


def notify(
    users, *, kind: str, title: str, body: str = "", url: str = "", key: str | None = None
) -> int:
    """Tell each of `users`; with `key`, at most once per user (a repeated reminder is skipped).
    Returns how many were newly notified. Mail goes out after the transaction commits."""
    sent = 0
    for user in {user.pk: user for user in users if user is not None and user.is_active}.values():
        user_key = f"{key}:{user.pk}" if key else None
        try:
            with transaction.atomic():
                notice = Notification.objects.create(
                    user=user, kind=kind, title=title, body=body, url=url, key=user_key
                )
        except IntegrityError:
            continue  # this reminder was already sent
        sent += 1
        if user.email:
            transaction.on_commit(lambda notice=notice: _email(notice))
    return sent


def _email(notice: Notification) -> None:
    link = f"{settings.LAOMO_SITE_URL.rstrip('/')}{notice.url}" if notice.url else ""
    try:
        send_mail(
            subject=f"【劳模工匠进校园】{notice.title}",
            message="\n\n".join(part for part in (notice.body, link) if part),
            from_email=None,
            recipient_list=[notice.user.email],
        )
    except OSError:
        log.exception("mail to %s failed", notice.user.email)
        return
    Notification.objects.unrestricted().filter(pk=notice.pk).update(emailed_at=timezone.now())


def mark_read(*, notice: Notification) -> None:
    if notice.read_at is None:
        Notification.objects.unrestricted().filter(pk=notice.pk).update(read_at=timezone.now())
