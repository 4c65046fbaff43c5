"""The form renderer: the project's widget templates over Django's, with the widgets every form
and every list's filter carries written in Python.

A widget rendered through the template engine costs a context, a template and an include for its
attributes; a list page's filter form has eight of them, and they took a third of the page's time.
The writers here give the templates' own output, character for character: the tests render every
widget both ways and compare, so a template changed without its writer fails them.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from laomo.core.templatetags.laomo import select_options
from laomo.core.widgets import text_html


def attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare name for True, nothing for
    False."""
    return "".join(
        f" {text_html(name)}" if value is True else f' {text_html(name)}="{text_html(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<input type="{text_html(widget["type"])}" name="{text_html(widget["name"])}"'
        + (f' value="{text_html(value)}"' if value is not None else "")
        + f"{attrs_html(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{text_html(widget["name"])}"{attrs_html(widget["attrs"])}>\n'
        f"{text_html(value) if value else ''}</textarea>"
    )


def _select(widget: dict, options: str) -> str:
    return (
        f'<select name="{text_html(widget["name"])}"{attrs_html(widget["attrs"])}>'
        f"{options}</select>"
    )


def _choices(widget: dict) -> str:
    return _select(widget, select_options(widget["optgroups"]))


def _suggest_select(widget: dict) -> str:
    select = _select(widget, text_html(widget["options"]))
    if not widget["suggest"]:
        return select
    return (
        '<div class="lm-suggest">\n<input type="search" name="q" form="lm-no-form" '
        'class="form-control form-control-sm mb-1" placeholder="输入名称或拼音首字母查找" '
        'aria-label="查找" autocomplete="off"\n'
        f'  hx-get="{text_html(widget["suggest_url"])}" '
        'hx-trigger="input changed delay:300ms, search" '
        f'hx-target="#{text_html(widget["attrs"].get("id", ""))}" hx-swap="innerHTML" '
        f'hx-sync="this:replace">\n{select}\n</div>'
    )


_INPUTS = (
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "hidden",
    "input",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
)
WRITERS = {
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _choices,
    "core/widgets/suggest_select.html": _suggest_select,
}


class FormRenderer(TemplatesSetting):
    """Templates found as the site's own are (the project's over Django's); the widgets in
    `WRITERS` written directly."""

    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        if write is None:
            return super().render(template_name, context, request)
        return mark_safe(write(context["widget"]))  # noqa: S308 -- every value went through text_html
