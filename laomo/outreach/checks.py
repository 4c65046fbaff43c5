"""The system checks of the outreach app."""

from django.core.checks import Error, register


@register()
def private_photos_stay_private(app_configs, **kwargs):
    """Photos of minors (LAOMO_PRIVATE_ROOT) must not lie in a folder a web server may publish
    whole: not MEDIA_ROOT or STATIC_ROOT, nor a folder inside either."""
    from pathlib import Path

    from django.conf import settings

    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = Path(getattr(settings, name)).resolve()
        if private.is_relative_to(public):
            errors.append(
                Error(
                    f"活动照片目录 LAOMO_PRIVATE_ROOT（{private}）位于 {name}（{public}）之内："
                    "照片中有未成年人，不得放在可能公开的目录中",
                    hint=f"把 LAOMO_PRIVATE_ROOT 设为 {name} 以外的目录。",
                    id="laomo.E003",
                )
            )
    return errors
