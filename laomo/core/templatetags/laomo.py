"""Template helpers: form fields with Bootstrap classes, Chinese dates, query strings."""

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from laomo.core import dates
from laomo.core.widgets import SELECTED, text_html

register = template.Library()


@register.filter
def cn_date(value) -> str:
    """2025年3月5日, as people write dates (a date-time gives its Beijing date)."""
    return dates.cn_date(value)


@register.filter
def cn_datetime(value) -> str:
    """2025年3月5日 14:30, in Beijing time."""
    return dates.cn_datetime(value)


def _joined(parts) -> str:
    return format_html_join("", "{}", ((part,) for part in parts))


def _option_attrs(option: dict) -> str:
    return _joined(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in option["attrs"].items()
        if value is not False and value is not None
    )


def _attrs_of(option: dict) -> str:
    attrs = option["attrs"]
    if not attrs:
        return ""
    return SELECTED if attrs == {"selected": True} else _option_attrs(option)


@register.filter
def select_options(optgroups) -> str:
    """A select's options written in one go: Django's own template includes a template per
    option, which for a county's eighty schools costs more than the page's queries."""
    parts = []
    for group_name, options, _index in optgroups:
        html = "".join(
            f'<option value="{text_html(option["value"])}"{_attrs_of(option)}>'
            f"{text_html(option['label'])}</option>"
            for option in options
        )
        parts.append(
            f'<optgroup label="{text_html(group_name)}">{html}</optgroup>' if group_name else html
        )
    return mark_safe("".join(parts))  # noqa: S308 -- every value and label went through text_html


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
