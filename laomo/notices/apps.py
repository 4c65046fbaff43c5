from django.apps import AppConfig
from django.core import checks


class NoticesConfig(AppConfig):
    name = "laomo.notices"
    verbose_name = "消息提醒"

    def ready(self):
        checks.register(check_channels)


def check_channels(app_configs=None, **kwargs):
    """Every adapter in LAOMO_NOTICE_CHANNELS imports and can deliver: a misspelt path is found by
    `laomo check` at deployment, not by the first notice that fails to go out."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    errors = []
    for path in settings.LAOMO_NOTICE_CHANNELS:
        try:
            adapter = import_string(path)
        except ImportError as exc:
            errors.append(
                checks.Error(
                    f"LAOMO_NOTICE_CHANNELS: cannot import {path} ({exc})", id="laomo.notices.E001"
                )
            )
            continue
        if not callable(getattr(adapter, "deliver", None)):
            errors.append(
                checks.Error(
                    f"LAOMO_NOTICE_CHANNELS: {path} has no deliver(notice) method",
                    id="laomo.notices.E002",
                )
            )
    return errors
