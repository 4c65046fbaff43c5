"""The one way to tell people something: `notify` keeps a site message for each recipient and,
once the change that caused it commits, hands it to every channel configured in
`settings.LAOMO_NOTICE_CHANNELS` (e-mail built in; see laomo.notices.channels for adapters)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from laomo.notices import channels
from laomo.notices.models import Notification


def notify(
    users,
    *,
    kind: str,
    title: str,
    body: str = "",
    action: str = "",
    url: str = "",
    key: str | None = None,
    exclude=None,
) -> int:
    """Tell each of `users` (inactive ones and `exclude`, the person who acted, are skipped):
    `title` names the talk or report, `body` what happened, `action` what to do next and `url`
    the page to do it on. With `key`, at most once per user: a repeated reminder is skipped.
    Returns how many were newly told."""
    skip = getattr(exclude, "pk", None)
    recipients = {
        user.pk: user for user in users if user is not None and user.is_active and user.pk != skip
    }
    stored = []
    for user in recipients.values():
        user_key = f"{key}:{user.pk}" if key else None
        try:
            with transaction.atomic():
                stored.append(
                    Notification.objects.create(
                        user=user,
                        kind=kind,
                        title=title[:200],
                        body=body,
                        action=action[:200],
                        url=url,
                        key=user_key,
                    )
                )
        except IntegrityError:
            continue  # this reminder was already sent
    if stored:
        transaction.on_commit(lambda: channels.dispatch(stored))
    return len(stored)


def mark_read(*, notice: Notification) -> None:
    if notice.read_at is None:
        Notification.objects.unrestricted().filter(pk=notice.pk).update(read_at=timezone.now())
