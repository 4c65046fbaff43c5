"""`{{ talk|status_badge }}`: a talk's status as a coloured badge, in lists and on its page; a talk
whose time has passed while still planned or confirmed carries a second one, 时间已过."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from laomo.outreach.choices import Status

register = template.Library()

BADGE_CLASSES = {
    Status.PLANNED: "text-bg-light border",
    Status.CONFIRMED: "text-bg-primary",
    Status.HELD: "text-bg-warning",
    Status.REPORTED: "text-bg-info",
    Status.ACCEPTED: "text-bg-success",
    Status.RETURNED: "text-bg-danger",
    Status.CANCELLED: "text-bg-secondary",
}


@register.filter
def status_badge(talk) -> str:
    css = BADGE_CLASSES.get(talk.status, "text-bg-light border")
    badge = format_html('<span class="badge {}">{}</span>', css, talk.get_status_display())
    if talk.is_lapsed:
        badge += format_html(
            ' <span class="badge text-bg-danger" title="{}">{}</span>',
            _("活动时间已过，尚未标记已举办，也未取消"),
            _("时间已过"),
        )
    return badge
