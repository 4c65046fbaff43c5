"""The system checks of the outreach app."""

from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning


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


@register()
def chinese_fonts_installed(app_configs, **kwargs):
    """The banner and the photo sheet's PDF are set in a Chinese font fontconfig must find; without
    one the site runs, but those downloads cannot be drawn."""
    from laomo.outreach import documents

    families = documents.chinese_font_families()
    if families is None:
        return [
            CheckWarning(
                "未找到 fontconfig（fc-list）：无法确认服务器上有中文字体，"
                "横幅和图片资料的 PDF 可能无法生成",
                hint=f"安装 fontconfig 和字体包 {documents.FONT_PACKAGE}"
                f"（Debian/Ubuntu：apt install fontconfig {documents.FONT_PACKAGE}）。",
                id="laomo.W003",
            )
        ]
    needed = {
        "横幅": documents.BannerDocument.FONTS,
        "图片资料": documents.PhotoSheet.PDF_SERIF,
    }
    lacking = [name for name, wanted in needed.items() if not families.intersection(wanted)]
    if not lacking:
        return []
    return [
        CheckWarning(
            "服务器上没有所需的中文字体（fc-list :lang=zh 中没有 Noto CJK 或思源字体）："
            f"{'、'.join(lacking)}的 PDF 无法生成",
            hint=f"安装字体包 {documents.FONT_PACKAGE}"
            f"（Debian/Ubuntu：apt install {documents.FONT_PACKAGE}），然后重启 Laomo。",
            id="laomo.W003",
        )
    ]
