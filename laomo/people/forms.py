from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext as _

from laomo.core.forms import IdsChoiceField, ScopedModelForm
from laomo.core.text import InputError, normalize_name, normalize_phone
from laomo.people.models import Honour, LectureGroup, Person


class PhoneField(forms.CharField):
    """A phone typed in any common way, stored normalised."""

    def clean(self, value):
        value = super().clean(value)
        try:
            return normalize_phone(value)
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PersonForm(ScopedModelForm):
    """An official's form. The phone is never shown in it: an empty box keeps the number."""

    phone = PhoneField(label=_("联系电话"), required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "gender",
            "ethnicity",
            "region",
            "unit",
            "post",
            "phone",
            "topics",
            "note",
            "active",
        ]
        widgets = {"topics": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_regions("region", ("city", "county", "zone"))
        if self.instance.pk and self.instance.phone:
            self.initial["phone"] = ""
            self.fields["phone"].help_text = _("现为 {masked}；留空则不修改").format(
                masked=self.instance.masked_phone
            )
            self.fields["phone"].widget.attrs["placeholder"] = self.instance.masked_phone

    def clean_name(self):
        try:
            return normalize_name(self.cleaned_data["name"])
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        if not phone and self.instance.pk:
            return self.instance.phone
        return phone


class OwnProfileForm(PersonForm):
    """What a model worker may change in their own record."""

    class Meta(PersonForm.Meta):
        fields = ["unit", "post", "phone", "topics"]

    def __init__(self, *args, **kwargs):
        super(PersonForm, self).__init__(*args, **kwargs)
        if self.instance.phone:
            self.initial["phone"] = ""
            self.fields["phone"].help_text = _("现为 {masked}；留空则不修改").format(
                masked=self.instance.masked_phone
            )


class BaseHonourFormSet(forms.BaseInlineFormSet):
    default_error_messages = {
        "missing_management_form": _("荣誉数据不完整，请刷新页面后重新填写"),
        "too_many_forms": _("一人最多登记 %(num)d 项荣誉"),
    }


# A cap on the rows a posted form may claim: otherwise a forged count of thousands of honours is
# thousands of forms built and drawn for one request.
HonourFormSet = inlineformset_factory(
    Person,
    Honour,
    formset=BaseHonourFormSet,
    fields=["title", "level", "year", "awarded_by"],
    extra=1,
    can_delete=True,
    max_num=50,
    absolute_max=50,
)


class LectureGroupForm(ScopedModelForm):
    class Meta:
        model = LectureGroup
        fields = ["name", "region", "batch", "formed_on", "organisers", "description"]
        field_classes = {"organisers": IdsChoiceField}
        widgets = {
            "formed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "organisers": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_regions("region", ("city", "county", "zone"))
        self.fields["organisers"].queryset = (
            self.fields["organisers"].queryset.current().filter(kind__in=["union", "education"])
        )

    def clean_organisers(self):
        chosen = list(self.cleaned_data["organisers"])
        if self.instance.pk:
            # Organisers the form cannot offer (archived since, or another region's) stay: a
            # form that cannot show them must not quietly remove them.
            offered = self.fields["organisers"].queryset.values("pk")
            chosen += self.instance.organisers.unrestricted().exclude(pk__in=offered)
        return chosen


class AddMemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("成员"))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].widget.attrs["class"] = "form-select"


class RosterUploadForm(forms.Form):
    # An empty file goes on to the import, whose message says what is wrong with it.
    file = forms.FileField(
        label=_("花名册文件"),
        allow_empty_file=True,
        help_text=_(
            "Excel（.xlsx、.xls）或 CSV（UTF-8 或 GBK 编码）；"
            "列：序号、姓名、性别、工作单位及职务、获得荣誉、联系电话、备注"
        ),
    )
    group = forms.ModelChoiceField(
        queryset=LectureGroup.objects.none(),
        label=_("导入到宣讲团"),
        required=False,
        help_text=_("不选则只登记人员，不加入宣讲团"),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["file"].widget.attrs.update(
            {"class": "form-control", "accept": ".xlsx,.xls,.csv"}
        )
        self.fields["group"].widget.attrs["class"] = "form-select"
