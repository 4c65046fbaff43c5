"""`{{ talk|status_badge }}`: a talk's status as a coloured badge, in lists and on its page."""

from django import template
from django.utils.html import format_html

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
    return format_html('<span class="badge {}">{}</span>', css, talk.get_status_display())
