from django.conf import settings


def laomo(request):
    """What every page's frame needs: the caller's scope, the site's name, unread notices."""

    def unread_notices() -> int:
        from laomo.notices.models import Notification

        scope = getattr(request, "scope", None)
        if scope is None or scope.user_id is None:
            return 0
        return Notification.objects.restrict(scope).unread().count()

    return {
        "unread_notices": unread_notices,
        "scope": getattr(request, "scope", None),
        "platform_name": "劳模工匠进校园工作平台",
        "debug": settings.DEBUG,
    }
