from django.conf import settings


def laomo(request):
    """What every page's frame needs: the caller's scope and the site's name."""
    return {
        "scope": getattr(request, "scope", None),
        "platform_name": "劳模工匠进校园工作平台",
        "debug": settings.DEBUG,
    }
