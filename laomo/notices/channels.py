"""Channels: the ways a notice reaches a person besides the site.

Every notice is first kept as a site message (`Notification`: the 消息 page, the unread count, the
once-only key of a reminder). Then, once the change that caused it is committed, each channel
named in `settings.LAOMO_NOTICE_CHANNELS` (dotted paths) is handed the stored notice. E-mail is
built in; an SMS or 企业微信 adapter is one more class in that list, and no caller changes.

An adapter is a class, instantiated with no arguments, with

- `name`: a short word for logs ("email", "sms", "wecom");
- `deliver(notice) -> bool`: send `notice` (a saved `Notification`: `user`, `kind`, `title`,
  `body`, `action` — what to do next — and `url`, with `notice.link` the absolute address) to
  `notice.user` if this channel can reach them; True if it sent, False if the user has no
  address on this channel. Raise on failure: the dispatcher logs it and goes on with the next
  notice and the next channel, so a channel that is down never undoes or blocks the change that
  caused the notice.

Delivery runs after the transaction commits, in the request (or command) that caused it.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Channel:
    """The adapter interface (see the module's docstring)."""

    name = ""

    def deliver(self, notice) -> bool:  # pragma: no cover - the interface
        raise NotImplementedError


class EmailChannel(Channel):
    """Mail to the user's address, if they have one; the subject is the notice's title, the text
    its body, what to do next and the link."""

    name = "email"

    def deliver(self, notice) -> bool:
        address = notice.user.email
        if not address:
            return False
        send_mail(
            subject=f"【劳模工匠进校园】{notice.title}",
            message=notice.plain_text(),
            from_email=None,
            recipient_list=[address],
        )
        type(notice).objects.unrestricted().filter(pk=notice.pk).update(emailed_at=timezone.now())
        return True


@cache
def _load(path: str) -> Channel:
    return import_string(path)()


def channels() -> list[Channel]:
    return [_load(path) for path in settings.LAOMO_NOTICE_CHANNELS]


def dispatch(notices) -> None:
    """Hand each notice to each configured channel; a failure is logged, never raised."""
    for channel in channels():
        for notice in notices:
            try:
                channel.deliver(notice)
            except Exception:  # a channel down must not break what caused the notice
                log.exception(
                    "notice %s (%s) to %s by %s failed",
                    notice.pk,
                    notice.kind,
                    notice.user_id,
                    channel.name or type(channel).__name__,
                )
