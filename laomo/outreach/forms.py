from __future__ import annotations

import re
from dataclasses import dataclass

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
    """The audience and the account. Left empty, a number is simply not yet known (a draft may
    be saved so); the submission's own rules (the audience's minimum) are the service's."""

    students = forms.IntegerField(
        label=_("学生人数"), min_value=0, max_value=100000, required=False
    )
    teachers = forms.IntegerField(
        label=_("教师人数"), min_value=0, max_value=100000, required=False
    )
    others = forms.IntegerField(
        label=_("其他人员人数"), min_value=0, max_value=100000, required=False
    )
    account = forms.CharField(
        label=_("活动情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("简要记述活动过程、宣讲内容和师生反响"),
    )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(unix_newlines(data), *args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.update({"inputmode": "numeric"})

    def filled(self) -> dict:
        """What can be kept of the fields as they are: each valid one, the others empty."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "students": cleaned.get("students"),
            "teachers": cleaned.get("teachers"),
            "others": cleaned.get("others"),
            "account": cleaned.get("account") or "",
        }


MARKS = ("banner", "lecturer", "audience")
_KEY = re.compile(r"^[dr][0-9]{1,12}$")


@dataclass
class PostedPhoto:
    """A photo already on the server as the form sends it back: `key` names it ("d12": photo
    12 of the draft, "r34": photo 34 of the returned report), with its caption, its marks,
    whether to remove it, and the file that replaces it, if one was chosen."""

    key: str
    caption: str
    marks: dict[str, bool]
    remove: bool
    replacement: PhotoUpload | None


def posted_photos(data, files) -> tuple[list[PostedPhoto], list[PhotoUpload]]:
    """The report form's photos: those already on the server (`item`, repeated, in the order
    shown) and the new ones (`photos`, several files at once), each new one with its own
    caption and marks (`new-<n>-caption`, `new-<n>-banner` …, in the order of the files)."""
    posted, seen = [], set()
    for key in data.getlist("item"):
        if not _KEY.match(key) or key in seen:
            continue
        seen.add(key)
        replacement = files.get(f"{key}-replace")
        posted.append(
            PostedPhoto(
                key=key,
                caption=_line(data.get(f"{key}-caption", "")),
                marks={mark: bool(data.get(f"{key}-{mark}")) for mark in MARKS},
                remove=bool(data.get(f"{key}-remove")),
                replacement=_upload(replacement, "", {}) if replacement else None,
            )
        )
    new = []
    for index, upload in enumerate(files.getlist("photos")):
        marks = {mark: bool(data.get(f"new-{index}-{mark}")) for mark in MARKS}
        new.append(_upload(upload, _line(data.get(f"new-{index}-caption", "")), marks))
    return posted, new


def _line(text: str) -> str:
    return (text or "").replace("\r", " ").replace("\n", " ").strip()[:200]


def _upload(upload, caption: str, marks: dict[str, bool]) -> PhotoUpload:
    return PhotoUpload(
        data=upload.read(),
        filename=upload.name or "",
        caption=caption,
        shows_banner=marks.get("banner", False),
        shows_lecturer=marks.get("lecturer", False),
        shows_audience=marks.get("audience", False),
    )


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
