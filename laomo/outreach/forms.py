from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laomo.core.forms import IdsChoiceField, unix_newlines
from laomo.core.scoping import VIEW
from laomo.core.widgets import SuggestSelect
from laomo.outreach.choices import Form, OnlinePlatform, Place, Venue
from laomo.outreach.models import ProgrammeYear, Talk
from laomo.outreach.services import PhotoUpload, TalkPlan
from laomo.people.models import Person
from laomo.regions.models import Organisation
from laomo.schools.models import School

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LecturerChoiceField(IdsChoiceField):
    def label_from_instance(self, person):
        details = [person.unit_and_post or person.region.name]
        details += [honour.title for honour in list(person.honours.all())[:2]]
        return f"{person.name}（{'，'.join(details)}）"


class TalkForm(forms.Form):
    """Plan or change a talk. What a user may choose is what their scope allows; the service
    decides the level, the organisers and who pays."""

    title = forms.CharField(label=_("活动名称"), max_length=120)
    place = forms.ChoiceField(label=_("举办形式"), choices=Place.choices, initial=Place.SCHOOL)
    # A province plans among thousands of schools: the selects stay small (SuggestSelect).
    school = forms.ModelChoiceField(
        label=_("学校"),
        queryset=School.objects.none(),
        required=False,
        widget=SuggestSelect("schools"),
    )
    base = forms.ModelChoiceField(
        label=_("劳动教育实践基地"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=SuggestSelect("bases"),
    )
    online_platform = forms.ChoiceField(
        label=_("线上平台"), choices=[("", "---------"), *OnlinePlatform.choices], required=False
    )
    special_name = forms.CharField(
        label=_("专场名称"),
        max_length=60,
        required=False,
        help_text=_("横幅“（××专场）”中的名称；留空则用学校或基地名称"),
    )
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=_DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=_DATETIME)
    lecturers = LecturerChoiceField(
        label=_("宣讲员"),
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选；同一时段已有安排的宣讲员不能重复邀请"),
    )
    venue = forms.ChoiceField(label=_("场所"), choices=Venue.choices)
    form = forms.ChoiceField(label=_("活动形式"), choices=Form.choices)
    form_other = forms.CharField(label=_("其他形式说明"), max_length=60, required=False)
    expected_audience = forms.IntegerField(
        label=_("预计观众人数"), min_value=0, max_value=100000, initial=0
    )
    cost = forms.DecimalField(
        label=_("经费（元）"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *args, scope, talk: Talk | None = None, **kwargs):
        if talk is not None and data is None:
            kwargs.setdefault("initial", _initial_of(talk))
        super().__init__(unix_newlines(data), *args, **kwargs)
        self.scope, self.talk = scope, talk
        self.fields["school"].queryset = (
            School.objects.restrict(scope, VIEW).current().select_related("region")
        )
        self.fields["base"].queryset = (
            Organisation.objects.restrict(scope, VIEW)
            .current()
            .filter(kind=Organisation.Kind.PRACTICE_BASE)
        )
        invitable = Person.objects.restrict(scope, "invite")
        if talk is not None:
            # Those already booked stay choosable even if they have since left the directory
            # (their talk is one the user may change).
            invitable = Person.objects.unrestricted().filter(
                Q(pk__in=invitable.values("pk")) | Q(pk__in=talk.bookings.values("person_id"))
            )
        self.fields["lecturers"].queryset = invitable.select_related("region").prefetch_related(
            "honours"
        )
        if scope.is_school:
            for name in ("place", "school", "base", "online_platform"):
                del self.fields[name]
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("结束时间应晚于开始时间"))
        return cleaned

    def plan(self) -> TalkPlan:
        data = self.cleaned_data
        return TalkPlan(
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            venue=data["venue"],
            form=data["form"],
            lecturers=list(data["lecturers"]),
            place=data.get("place", Place.SCHOOL),
            school=data.get("school"),
            base=data.get("base"),
            online_platform=data.get("online_platform", ""),
            special_name=data.get("special_name", ""),
            form_other=data.get("form_other", ""),
            expected_audience=data.get("expected_audience") or 0,
            cost=data.get("cost") or 0,
            note=data.get("note", ""),
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def _initial_of(talk: Talk) -> dict:
    return {
        "title": talk.title,
        "place": talk.place,
        "school": talk.school_id,
        "base": talk.base_id,
        "online_platform": talk.online_platform,
        "special_name": talk.special_name,
        "starts_at": timezone.localtime(talk.starts_at),
        "ends_at": timezone.localtime(talk.ends_at),
        "lecturers": list(talk.bookings.unrestricted().values_list("person_id", flat=True)),
        "venue": talk.venue,
        "form": talk.form,
        "form_other": talk.form_other,
        "expected_audience": talk.expected_audience,
        "cost": talk.cost,
        "note": talk.note,
    }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("确认参加")), ("0", _("婉拒"))], coerce=lambda value: value == "1"
    )
    reason = forms.CharField(label=_("婉拒原因"), max_length=200, required=False)


class ConsentForm(forms.Form):
    consent = forms.TypedChoiceField(
        choices=[("1", _("同意公开展示")), ("0", _("撤回同意"))], coerce=lambda value: value == "1"
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("验收通过")), ("return", _("退回"))])
    reasons = forms.CharField(
        label=_("退回原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ReportForm(forms.Form):
    students = forms.IntegerField(label=_("学生人数"), min_value=0, max_value=100000, initial=0)
    teachers = forms.IntegerField(label=_("教师人数"), min_value=0, max_value=100000, initial=0)
    others = forms.IntegerField(label=_("其他人员人数"), min_value=0, max_value=100000, initial=0)
    account = forms.CharField(
        label=_("活动情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("简要记述活动过程、宣讲内容和师生反响"),
    )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(unix_newlines(data), *args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.update({"inputmode": "numeric"})


class PhotoRowForm(forms.Form):
    """One photo: the file, its caption (prefilled), and what it shows."""

    # An empty file goes on to the photo checks, whose message names it.
    image = forms.FileField(
        label=_("照片"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "class": "form-control"}),
    )
    caption = forms.CharField(
        label=_("图片说明"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    shows_banner = forms.BooleanField(label=_("含横幅"), required=False)
    shows_lecturer = forms.BooleanField(label=_("含宣讲员"), required=False)
    shows_audience = forms.BooleanField(label=_("含观众"), required=False)

    def upload(self) -> PhotoUpload | None:
        image = self.cleaned_data.get("image")
        if not image:
            return None
        return PhotoUpload(
            data=image.read(),
            filename=image.name,
            caption=self.cleaned_data.get("caption", ""),
            shows_banner=self.cleaned_data.get("shows_banner", False),
            shows_lecturer=self.cleaned_data.get("shows_lecturer", False),
            shows_audience=self.cleaned_data.get("shows_audience", False),
        )


class BasePhotoFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": _("照片数据不完整，请刷新页面后重新选择照片再报送"),
        "too_many_forms": _("一次最多提交 %(num)d 张照片"),
    }


PhotoFormSet = forms.formset_factory(
    PhotoRowForm, formset=BasePhotoFormSet, extra=0, max_num=50, absolute_max=50
)


def photo_formset(data=None, files=None, *, caption: str) -> forms.BaseFormSet:
    """Three rows to start with, the first prefilled for the banner, the second for the
    lecturer, the third for the audience; more can be added on the page."""
    initial = [
        {"caption": caption, "shows_banner": True},
        {"caption": caption, "shows_lecturer": True},
        {"caption": caption, "shows_audience": True},
    ]
    return PhotoFormSet(data, files, initial=initial if data is None else None, prefix="photos")


class ProgrammeYearForm(forms.ModelForm):
    class Meta:
        model = ProgrammeYear
        fields = [
            "year",
            "banner_template",
            "min_audience",
            "quota_total",
            "quota_city",
            "quota_county",
            "quota_zone",
        ]
        widgets = {"banner_template": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
