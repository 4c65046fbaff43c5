"""`get_<field>_display()` from a table built once per field.

Django rebuilds the choices' dictionary (and makes every choice hashable) on each call; a list page
calls it for each row and column, which for 25 talks costs about as much as a query. The labels
are the same lazy translations, looked up the same way; a value outside the choices still comes
back as itself.
"""

from __future__ import annotations

from django.db import models
from django.utils.encoding import force_str


class ChoiceLabelsModel(models.Model):
    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_choice_labels")
        if labels is None:
            labels = field._choice_labels = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(value, value), strings_only=True)
