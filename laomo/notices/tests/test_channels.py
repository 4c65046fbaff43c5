"""The one notification service: a site message for each recipient, then every configured channel
(e-mail built in, any adapter added in settings) gets the same notice; a channel that fails is
logged and never undoes what caused the notice."""

from __future__ import annotations

import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from laomo.core.testing.factories import UserFactory
from laomo.notices.apps import check_channels
from laomo.notices.models import Notification
from laomo.notices.services import notify
from laomo.outreach.models import Talk
from laomo.outreach.tests.conftest import plan, private_media  # noqa: F401

EMAIL = "laomo.notices.channels.EmailChannel"
RECORDING = "laomo.notices.tests.test_channels.RecordingChannel"
FAILING = "laomo.notices.tests.test_channels.FailingChannel"

delivered: list = []


class RecordingChannel:
    """A test adapter, as an SMS or 企业微信 one would be: it keeps what it is handed."""

    name = "recording"

    def deliver(self, notice) -> bool:
        delivered.append(notice)
        return True


class FailingChannel:
    name = "failing"

    def deliver(self, notice) -> bool:
        raise ConnectionRefusedError("gateway down")


class BrokenMailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")


@pytest.fixture(autouse=True)
def _clear():
    delivered.clear()
    yield
    delivered.clear()


def _tell(user, **extra):
    return notify(
        [user],
        kind="test",
        title="宣讲活动安排到本校：劳模精神进课堂",
        body="2026年3月5日 14:30在原州区第一小学礼堂",
        action="请预订场地、制作横幅",
        url="/talks/7/",
        **extra,
    )


def test_a_notice_is_kept_and_mailed_with_what_to_do_next_and_the_link(
    db, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL]
    settings.LAOMO_SITE_URL = "https://laomo.example.cn/"
    user = UserFactory(email="school@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        assert _tell(user) == 1
    notice = Notification.objects.unrestricted().get(user=user)
    assert (notice.kind, notice.action, notice.url) == ("test", "请预订场地、制作横幅", "/talks/7/")
    assert notice.emailed_at is not None
    (mail,) = mailoutbox
    assert mail.to == ["school@example.cn"]
    assert mail.subject == "【劳模工匠进校园】宣讲活动安排到本校：劳模精神进课堂"
    assert "下一步：请预订场地、制作横幅" in mail.body
    assert "https://laomo.example.cn/talks/7/" in mail.body


def test_no_mail_without_an_address_but_the_site_message_is_kept(
    db, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL]
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        _tell(user)
    assert mailoutbox == []
    assert Notification.objects.unrestricted().get(user=user).emailed_at is None


def test_an_adapter_configured_in_settings_receives_the_same_notice(
    db, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL, RECORDING]
    user = UserFactory(email="school@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        _tell(user)
    stored = Notification.objects.unrestricted().get(user=user)
    assert [notice.pk for notice in delivered] == [stored.pk]
    (notice,) = delivered
    assert (notice.user, notice.title, notice.action) == (user, stored.title, stored.action)
    assert notice.link.endswith("/talks/7/")
    assert len(mailoutbox) == 1  # the built-in channel still goes


def test_channels_go_only_after_the_change_commits(
    db, settings, django_capture_on_commit_callbacks
):
    settings.LAOMO_NOTICE_CHANNELS = [RECORDING]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _tell(UserFactory())
        assert delivered == []
    for callback in callbacks:
        callback()
    assert len(delivered) == 1


def test_a_failing_channel_is_logged_and_the_others_still_deliver(
    db, settings, caplog, django_capture_on_commit_callbacks
):
    settings.LAOMO_NOTICE_CHANNELS = [FAILING, RECORDING]
    user = UserFactory()
    with (
        caplog.at_level(logging.ERROR, logger="laomo.notices.channels"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _tell(user)
    assert len(delivered) == 1
    assert any("failing" in record.getMessage() for record in caplog.records)


def test_mail_that_fails_does_not_break_planning_a_talk(
    world,
    plan,  # noqa: F811
    settings,
    caplog,
    django_capture_on_commit_callbacks,
):
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL]
    settings.EMAIL_BACKEND = "laomo.notices.tests.test_channels.BrokenMailBackend"
    school = world.user("school_a")
    school.email = "school@example.cn"
    school.save()
    with (
        caplog.at_level(logging.ERROR, logger="laomo.notices.channels"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        talk = plan(world.user("county_union_a")).talk
    assert Talk.objects.unrestricted().filter(pk=talk.pk).exists()
    notice = Notification.objects.unrestricted().get(user=school, kind="talk_planned")
    assert notice.emailed_at is None
    assert any("email" in record.getMessage() for record in caplog.records)


def test_a_keyed_reminder_is_sent_once_and_the_acting_user_is_not_told(db):
    one, two = UserFactory(), UserFactory()
    assert _tell(one, key="upcoming:7") == 1
    assert _tell(one, key="upcoming:7") == 0
    assert _tell(two, key="upcoming:7") == 1
    assert notify([one, two], kind="test", title="x", exclude=one) == 1
    assert Notification.objects.unrestricted().filter(user=one).count() == 1


def test_inactive_users_are_not_told(db):
    user = UserFactory(is_active=False)
    assert _tell(user) == 0


def test_laomo_check_names_a_channel_that_does_not_import(settings):
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL, "laomo.notices.channels.SmsChannel"]
    errors = check_channels()
    assert [error.id for error in errors] == ["laomo.notices.E001"]
    assert "SmsChannel" in errors[0].msg
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL, "laomo.notices.models.Notification"]
    assert [error.id for error in check_channels()] == ["laomo.notices.E002"]
    settings.LAOMO_NOTICE_CHANNELS = [EMAIL, RECORDING]
    assert check_channels() == []
