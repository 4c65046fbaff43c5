"""Forms that know who is filling them in.

Every choice of a scoped model offered by a form is limited to what the user's scope may see, so
a user cannot pick (or post the id of) another county's region, school or person.
"""

from django import forms
from django.db import models

from laomo.core.scoping import VIEW, ScopedQuerySet, unscoped


def unix_newlines(data):
    """Browsers send a text box's line breaks as CRLF; stored text uses LF, so that saving an
    unchanged form changes nothing."""
    if data is None or not any(isinstance(v, str) and "\r" in v for v in data.values()):
        return data
    data = data.copy()
    for key in list(data.keys()):
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        values = [
            v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v for v in values
        ]
        if hasattr(data, "setlist"):
            data.setlist(key, values)
        else:
            data[key] = values[0]
    return data


# What a database integer column holds (PostgreSQL's bigint; SQLite's INTEGER).
_ID_RANGE = range(-(2**63), 2**63)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id that refuses an id no column could hold as an invalid
    choice. Django checks the ids with one `pk__in` query, which SQLite cannot even send for such
    a number (OverflowError) and PostgreSQL refuses (out of range): a 500 from a typed URL."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        field = (
            self.queryset.model._meta.pk
            if key == "pk"
            else self.queryset.model._meta.get_field(key)
        )
        if isinstance(field, (forms.IntegerField, models.IntegerField)):
            for item in value or ():
                try:
                    number = int(str(item))
                except (TypeError, ValueError):
                    continue  # the parent class names the bad value
                if number not in _ID_RANGE:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    )
        return super()._check_values(value)


class ScopedModelForm(forms.ModelForm):
    def __init__(self, data=None, *args, scope, **kwargs):
        data = unix_newlines(data)
        with unscoped():
            # The instance's own many-to-many values (a group's organisers) are read to fill the
            # form; the instance is already one the user may change, and the choices offered are
            # restricted below.
            super().__init__(data, *args, **kwargs)
        self.scope = scope
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if isinstance(queryset, ScopedQuerySet):
                field.queryset = queryset.model.objects.restrict(scope, VIEW)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def limit_regions(self, name: str, levels: tuple[str, ...]) -> None:
        """Offer only regions of `levels` within scope; a single choice is fixed, not offered."""
        field = self.fields[name]
        field.queryset = field.queryset.filter(level__in=levels)
        choices = list(field.queryset[:2])
        if len(choices) == 1:
            field.initial = choices[0].pk
            field.disabled = True

    def _save_m2m(self):
        with unscoped():
            # Setting many-to-many values reads the instance's current ones first; the instance is
            # the user's to change and the new values were validated against restricted choices.
            super()._save_m2m()

    def clean(self):
        cleaned_data = super().clean()
        for name, field in self.fields.items():
            if not field.disabled or isinstance(field, forms.ModelMultipleChoiceField):
                continue
            posted = self.data.get(self.add_prefix(name))
            fixed = field.prepare_value(self.get_initial_for_field(field, name))
            if posted not in (None, "") and str(posted) != str(fixed):
                # A browser never sends a disabled field: this value was put into the request
                # to place the record elsewhere. Refuse it rather than quietly ignore it.
                self.add_error(name, field.error_messages["invalid_choice"])
        return cleaned_data
