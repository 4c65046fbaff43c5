"""The form renderer writes the common widgets in Python: its output must be what their templates
give, character for character, for any value, attribute and choice a form can carry."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from laomo.core.renderers import WRITERS, FormRenderer
from laomo.core.widgets import SuggestSelect
from laomo.regions.models import Region

# Text a browser can send (no lone surrogates), with the characters HTML escapes made likely.
text = st.text(
    alphabet=st.one_of(st.sampled_from("<>&\"' =/"), st.characters(blacklist_categories=("Cs",))),
    max_size=20,
)
attr_value = st.one_of(text, st.booleans(), st.none(), st.integers(), st.just(mark_safe("<b>")))
attr_name = st.from_regex(r"[a-z][a-z0-9\-]{0,10}", fullmatch=True)
attrs = st.dictionaries(attr_name.filter(lambda name: name not in ("type", "name")), attr_value)

INPUTS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.Textarea,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
]


def both_ways(widget, name, value, widget_attrs) -> tuple[str, str]:
    by_template = widget.render(name, value, widget_attrs, renderer=TemplatesSetting())
    by_writer = widget.render(name, value, widget_attrs, renderer=FormRenderer())
    return by_template, by_writer


@settings(max_examples=60, deadline=None)
@given(
    widget_class=st.sampled_from(INPUTS),
    name=text,
    value=st.one_of(text, st.none(), st.integers(), st.booleans()),
    widget_attrs=attrs,
)
def test_inputs_and_textareas_are_written_as_their_templates_write_them(
    widget_class, name, value, widget_attrs
):
    by_template, by_writer = both_ways(widget_class(), name, value, widget_attrs)
    assert by_writer == by_template


@settings(max_examples=60, deadline=None)
@given(
    choices=st.lists(st.tuples(text, text), max_size=6),
    groups=st.lists(st.tuples(text, st.lists(st.tuples(text, text), max_size=3)), max_size=2),
    multiple=st.booleans(),
    value=st.one_of(text, st.none(), st.lists(text, max_size=2)),
    widget_attrs=attrs,
)
def test_selects_are_written_as_their_template_writes_them(
    choices, groups, multiple, value, widget_attrs
):
    widget = (forms.SelectMultiple if multiple else forms.Select)(choices=[*choices, *groups])
    by_template, by_writer = both_ways(widget, "stage", value, widget_attrs)
    assert by_writer == by_template
    assert by_writer.startswith('<select name="stage"')


@pytest.mark.django_db
@pytest.mark.parametrize("suggest", [False, True])
def test_the_suggest_select_is_written_as_its_template_writes_it(world, monkeypatch, suggest):
    """Both shapes: a plain select when the rows fit, and beside the chosen option the search box
    that asks the server, when they do not."""
    monkeypatch.setattr("laomo.core.widgets.LIMIT", 0 if suggest else 200)
    field = forms.ModelChoiceField(
        queryset=Region.objects.unrestricted().order_by("code"),
        empty_label="全部",
        widget=SuggestSelect("regions"),
    )
    chosen = world.a.region
    widget_attrs = {"id": "id_region", "class": "form-select", "data-x": '"<&>'}
    by_template, by_writer = both_ways(field.widget, "region", chosen.pk, widget_attrs)
    assert by_writer == by_template
    assert ("hx-get=" in by_writer) is suggest
    assert f'<option value="{chosen.pk}" selected>{chosen.name}</option>' in by_writer


def test_a_widget_without_a_writer_is_rendered_by_its_template():
    widget = forms.RadioSelect(choices=[("a", "甲"), ("b", "乙")])
    assert "django/forms/widgets/radio.html" not in WRITERS
    by_template, by_writer = both_ways(widget, "pick", "b", {"id": "id_pick"})
    assert by_writer == by_template
    assert 'value="b" id="id_pick_1" checked' in by_writer


def test_the_site_renders_forms_with_the_writers():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
