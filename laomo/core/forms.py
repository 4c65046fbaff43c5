"""Forms that know who is filling them in.

Every choice of a scoped model offered by a form is limited to what the user's scope may see, so
a user cannot pick (or post the id of) another county's region, school or person.
"""

from django import forms

from laomo.core.scoping import VIEW, ScopedQuerySet


class ScopedModelForm(forms.ModelForm):
    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
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
