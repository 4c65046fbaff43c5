"""Template helpers: form fields with Bootstrap classes, Chinese dates, query strings."""

from django import forms, template
from django.utils import timezone
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def cn_date(value) -> str:
    """2025年3月5日, as people write dates."""
    if not value:
        return ""
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_datetime(value) -> str:
    if not value:
        return ""
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


@register.inclusion_tag("core/_field.html")
def field(bound_field, inline=False):
    widget = bound_field.field.widget
    if not isinstance(
        widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)
    ):
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if bound_field.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return {
        "field": bound_field,
        "inline": inline,
        "is_checkbox": isinstance(widget, forms.CheckboxInput),
        "is_multi": isinstance(widget, forms.CheckboxSelectMultiple),
    }


@register.simple_tag(takes_context=True)
def page_url(context, page_number) -> str:
    query = context.get("querystring", "")
    return f"?{query}&page={page_number}" if query else f"?page={page_number}"


@register.simple_tag
def archived_badge(obj):
    if getattr(obj, "archived_at", None):
        return mark_safe('<span class="badge text-bg-secondary">已归档</span>')
    return ""


@register.simple_tag
def demo_badge(obj):
    if getattr(obj, "is_demo", False):
        return mark_safe(
            '<span class="badge text-bg-warning" title="演示数据，非真实信息">演示</span>'
        )
    return ""
