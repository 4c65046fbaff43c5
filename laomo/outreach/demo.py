"""Demo talks: a year and a half of the programme in the demo city up to today, and the next few
weeks, in every status and at every level (002 三、四).

Each talk is taken through the services as the people involved would: the organiser plans it,
the lecturers (or the organiser for them) answer, the organiser or the school files the report
with photos drawn by `demo_photos`, a city reviewer returns or accepts it; a few are cancelled.
So every rule of the programme holds for the demo as for real data, and every step is audited
(the audit log says truthfully that the steps were taken when the demo was loaded).

Dates are counted from the day the demo is loaded. The people-facing times (planned, answered,
reported, reviewed, notified) are then set to plausible moments of each talk's own history, so
that a talk of last spring was not reported this morning.

A talk is known by its title: loading the demo again adds no talk, report or photo.
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import chinese_calendar
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from laomo.accounts.models import User
from laomo.core.roles import Role
from laomo.core.scoping import Scope
from laomo.notices.models import Notification
from laomo.outreach import services
from laomo.outreach.choices import Form, Level, Place, Status, Venue
from laomo.outreach.demo_photos import draw_photo
from laomo.outreach.models import Booking, Talk, TalkReport
from laomo.people.models import Membership, Person
from laomo.regions.models import Organisation
from laomo.schools.models import School

# What happens to a talk after it is planned.
PLANNED = "planned"  # invited; nobody has answered yet
HALF = "half"  # the first lecturer confirmed, the others not yet
DECLINED = "declined"  # the first lecturer declined (with `reason`), the others not yet
CONFIRMED = "confirmed"  # every lecturer confirmed; in the past, the report is overdue
CANCELLED = "cancelled"  # cancelled by the organiser, for `reason`
HELD = "held"  # took place and marked so; no report yet
REPORTED = "reported"  # report filed, waiting for the city's review
ACCEPTED = "accepted"
RETURNED = "returned"  # report returned for `reason`, not yet filed again
RESUBMITTED = "resubmitted"  # returned for `reason`, filed again, accepted the second time

WRONG_DATE = "wrong_date"  # the first report's lecturer photo was taken days before the talk

# Phones send photos to WeChat groups at 1280 px on the long side: what the city gets.
PHOTO_SIZE = (1280, 853)
# Notices older than this are shown as read: people have long since opened them.
READ_AFTER = timedelta(days=5)

H, C, M, S, NET = Venue.HALL, Venue.CLASSROOM, Venue.MEETING_ROOM, Venue.STUDIO, Venue.ONLINE

# The statutory holidays that fall on the same date every year, for years the holiday calendar
# does not know yet (its schedule is published each November for the next year).
FIXED_HOLIDAYS = {(1, 1), *((5, day) for day in range(1, 6)), *((10, day) for day in range(1, 8))}


def is_school_day(day: date) -> bool:
    """A working day in China: no weekend, no public holiday, and a weekend day made a working
    day in exchange for a holiday (调休) counts, as it does for schools."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


@dataclass(frozen=True)
class DemoTalk:
    """One talk of the demo. `where` is a school's name, "base:<organisation>" or
    "online:<platform>"; a lecturer is a name from the city roster or "<county>#<n>", the n-th
    member of that county's lecture group."""

    day: int  # from today; negative is past
    planner: str  # the login that plans it
    title: str
    where: str
    lecturers: tuple[str, ...]
    form: str
    venue: str
    hours: str
    expected: int
    fate: str
    reason: str = ""
    photos: int = 3
    flaw: str = ""  # WRONG_DATE, or "reused:<title>": a photo of that talk sent again
    special_name: str = ""
    consent: bool = False  # the school (school-yz) agrees to show the accepted photos publicly


YZ1 = "原州区第一小学"  # school-yz's school

TALKS = [
    # 2025, from late spring: the first city talks and each county's first ones.
    DemoTalk(-538, "city-union", "劳模精神进校园首场宣讲", "原州区第一中学", ("何成斌", "张小玲"),
             Form.SALUTE, H, "09:30-11:00", 420, ACCEPTED),
    DemoTalk(-524, "yuanzhou-union", "劳动最光荣主题班会", "原州区第二小学", ("原州区#1",),
             Form.CLASS_MEETING, C, "15:00-15:45", 52, ACCEPTED, photos=2),
    DemoTalk(-512, "xiji-union", "致敬劳模交流会·走近身边的劳动模范", "西吉县第一中学",
             ("西吉县#1",), Form.SALUTE, H, "09:00-10:30", 280, ACCEPTED),
    DemoTalk(-505, "city-union", "工匠精神进职校", "彭阳县职业中学", ("伏璧辉",),
             Form.CRAFT_LESSON, H, "14:30-16:00", 320, ACCEPTED, photos=2),
    DemoTalk(-497, "longde-union", "劳模工匠进校园·隆德县第一小学专场宣讲", "隆德县第一小学",
             ("隆德县#1",), Form.SALUTE, H, "09:00-10:00", 260, ACCEPTED),
    DemoTalk(-490, "school-yz", "劳模家长上讲台：我的劳动故事", YZ1, ("马国霞",),
             Form.PARENT, C, "10:10-10:50", 55, ACCEPTED, photos=2),
    DemoTalk(-470, "pengyang-union", "匠心筑梦·彭阳县第一中学宣讲", "彭阳县第一中学", ("彭阳县#1",),
             Form.CRAFT_LESSON, H, "15:00-16:30", 350, ACCEPTED),
    DemoTalk(-462, "city-union", "劳模工匠创新工作室现场教学",
             "base:固原市劳模工匠创新工作室（示范）", ("史晓东",),
             Form.ON_SITE, S, "09:30-11:30", 50, ACCEPTED, photos=2),
    DemoTalk(-455, "city-edu", "暑期线上劳模课堂", "online:ningxia_cloud", ("马金莲",),
             Form.VIDEO, NET, "19:30-20:30", 150, ACCEPTED, photos=2),
    DemoTalk(-447, "city-union", "开学第一课：劳模精神伴我成长", "西吉县第二中学", ("何成斌",),
             Form.FIRST_LESSON, H, "08:30-09:30", 380, ACCEPTED),
    DemoTalk(-446, "yuanzhou-edu", "开学第一课·原州区实验中学", "原州区实验中学", ("马金国",),
             Form.FIRST_LESSON, H, "08:30-09:30", 300, ACCEPTED, photos=2),
    DemoTalk(-432, "kaifaqu-union", "开发区劳模进校园首场宣讲", "开发区第一小学", ("开发区#1",),
             Form.SALUTE, H, "09:00-10:00", 240, ACCEPTED),
    DemoTalk(-425, "xiji-union", "劳动教育主题班会", "西吉县第二小学", ("西吉县#2",),
             Form.CLASS_MEETING, C, "15:00-15:45", 48, CANCELLED,
             reason="宣讲员临时承担抢修任务，改期另行安排"),
    DemoTalk(-404, "city-union", "致敬劳模交流会·泾源专场", "泾源县第一中学", ("李强", "马金莲"),
             Form.SALUTE, H, "09:30-11:00", 360, RESUBMITTED,
             reason="缺少能看清观众全景的照片，请补充一张拍到全体观众的照片后重新报送。"),
    DemoTalk(-397, "school-yz", "劳模故事会：平凡岗位上的坚守", YZ1, ("何成斌",),
             Form.SALUTE, H, "14:30-15:30", 420, ACCEPTED, consent=True),
    DemoTalk(-390, "jingyuan-union", "劳动最美丽·泾源县第二小学宣讲", "泾源县第二小学",
             ("泾源县#2",), Form.CLASS_MEETING, C, "10:00-10:45", 50, ACCEPTED, photos=2),
    DemoTalk(-376, "yuanzhou-union", "劳模走进特殊教育学校", "原州区特殊教育学校", ("马国霞",),
             Form.SALUTE, M, "10:00-11:00", 38, ACCEPTED),
    DemoTalk(-362, "city-edu", "劳模精神进课堂·隆德县第一中学", "隆德县第一中学", ("张小玲",),
             Form.SALUTE, H, "09:00-10:30", 330, ACCEPTED, photos=2),
    DemoTalk(-341, "city-union", "援鄂抗疫中的医者担当", "原州区回民中学", ("史晓东",),
             Form.SALUTE, H, "15:00-16:30", 310, ACCEPTED),
    DemoTalk(-334, "xiji-union", "劳模工匠进民办学校·西吉县育才学校专场", "西吉县育才学校",
             ("西吉县#3",), Form.SALUTE, H, "09:30-10:30", 260, ACCEPTED, photos=2),
    DemoTalk(-330, "longde-union", "劳动创造幸福·隆德县第二中学宣讲", "隆德县第二中学",
             ("隆德县#3",), Form.SALUTE, H, "09:00-10:00", 280, CANCELLED,
             reason="因降雪道路结冰，活动取消"),
    # 2026: winter holiday online, then the spring and autumn terms.
    DemoTalk(-300, "city-edu", "寒假线上劳模课堂：交通运输一线的坚守", "online:skills", ("伏璧辉",),
             Form.VIDEO, NET, "19:00-20:00", 200, ACCEPTED, photos=2),
    DemoTalk(-262, "city-union", "春季开学第一课：致敬劳动者", "彭阳县实验中学", ("何成斌",),
             Form.FIRST_LESSON, H, "08:30-09:30", 340, RESUBMITTED, flaw=WRONG_DATE,
             reason="第2张照片的拍摄日期与活动日期不符，请核实后换用活动当天的照片重新报送。"),
    DemoTalk(-255, "yuanzhou-union", "劳动最光荣·原州区东关小学宣讲", "原州区东关小学",
             ("原州区#2",), Form.CLASS_MEETING, C, "15:00-15:45", 50, ACCEPTED, photos=2),
    DemoTalk(-234, "pengyang-union", "劳动教育主题班会·彭阳县第二小学", "彭阳县第二小学",
             ("彭阳县#3",), Form.CLASS_MEETING, C, "10:00-10:45", 46, ACCEPTED, photos=2),
    DemoTalk(-227, "school-yz", "劳模家长上讲台：乡村振兴的故事", YZ1, ("马金国",),
             Form.PARENT, C, "10:10-10:50", 54, ACCEPTED, consent=True),
    DemoTalk(-213, "city-union", "庆祝五一致敬劳模交流会", "base:固原市工人文化宫",
             ("何成斌", "马金莲"), Form.SALUTE, H, "09:30-11:30", 450, ACCEPTED,
             special_name="庆祝“五一”国际劳动节"),
    DemoTalk(-206, "xiji-union", "工匠课：新时代技能人才", "西吉县职业中学", ("西吉县#4",),
             Form.CRAFT_LESSON, C, "14:30-15:30", 60, ACCEPTED, photos=2),
    DemoTalk(-192, "kaifaqu-union", "劳模工匠进校园·开发区华英民办学校专场", "开发区华英民办学校",
             ("开发区#3",), Form.SALUTE, H, "09:00-10:00", 220, ACCEPTED, photos=2),
    DemoTalk(-185, "city-edu", "职业精神进职校·原州区职业中学", "原州区职业中学", ("李强",),
             Form.CRAFT_LESSON, H, "15:00-16:30", 360, ACCEPTED),
    DemoTalk(-150, "yuanzhou-edu", "劳模精神伴我成长·原州区高级中学", "原州区高级中学", ("马金国",),
             Form.SALUTE, H, "09:00-10:30", 400, ACCEPTED, photos=2),
    DemoTalk(-120, "city-union", "暑期劳模工匠现场教学", "base:固原市劳模工匠创新工作室（示范）",
             ("伏璧辉",), Form.ON_SITE, S, "09:30-11:30", 45, ACCEPTED, photos=2),
    DemoTalk(-82, "city-union", "开学第一课：平凡岗位上的劳模精神", "隆德县第二中学", ("何成斌",),
             Form.FIRST_LESSON, H, "08:30-09:30", 360, ACCEPTED),
    DemoTalk(-81, "yuanzhou-union", "开学第一课·原州区第二中学", "原州区第二中学", ("原州区#3",),
             Form.FIRST_LESSON, H, "08:30-09:30", 330, ACCEPTED, photos=2),
    DemoTalk(-68, "pengyang-union", "劳模工匠进民办学校·彭阳县启明高级中学", "彭阳县启明高级中学",
             ("彭阳县#4",), Form.SALUTE, H, "09:30-10:30", 280, ACCEPTED, photos=2),
    DemoTalk(-54, "xiji-union", "致敬劳模交流会·西吉县回民中学", "西吉县回民中学", ("西吉县#1",),
             Form.SALUTE, H, "09:00-10:30", 300, ACCEPTED),
    DemoTalk(-47, "longde-union", "劳动教育主题班会·隆德县实验中学", "隆德县实验中学",
             ("隆德县#4",), Form.CLASS_MEETING, C, "15:00-15:45", 52, ACCEPTED, photos=2),
    DemoTalk(-40, "jingyuan-union", "致敬劳模交流会·泾源县实验中学", "泾源县实验中学",
             ("泾源县#4",), Form.SALUTE, H, "09:30-10:30", 260, ACCEPTED, photos=2),
    DemoTalk(-33, "city-edu", "职业精神进职校·西吉县职业中学", "西吉县职业中学", ("张小玲",),
             Form.CRAFT_LESSON, H, "14:30-16:00", 340, RESUBMITTED,
             reason="图片说明未注明主办单位，请按“时间、主办单位、活动名称”补全后重新报送。"),
    DemoTalk(-26, "kaifaqu-union", "劳动最光荣·开发区第一小学主题班会", "开发区第一小学",
             ("开发区#1",), Form.CLASS_MEETING, C, "15:00-15:45", 50, RETURNED, photos=2,
             reason="观众照片只拍到前两排，看不出观众人数是否达到30人，请补充全景照片。"),
    DemoTalk(-21, "city-union", "致敬劳模交流会·西吉专场", "西吉县高级中学", ("马金莲",),
             Form.SALUTE, H, "09:30-11:00", 380, RETURNED,
             flaw="reused:致敬劳模交流会·西吉县回民中学",
             reason="第3张照片与“致敬劳模交流会·西吉县回民中学”的照片相同，请换用本场活动的照片。"),
    DemoTalk(-19, "yuanzhou-union", "劳动最光荣·原州区第二小学秋季宣讲", "原州区第二小学",
             ("原州区#4",), Form.CLASS_MEETING, C, "15:00-15:45", 48, REPORTED, photos=2),
    DemoTalk(-14, "city-union", "工匠课：交通安全守护者", "原州区第二中学", ("何成斌",),
             Form.CRAFT_LESSON, H, "09:00-10:30", 320, REPORTED),
    DemoTalk(-12, "pengyang-union", "劳动教育主题班会·彭阳县城关第三小学", "彭阳县城关第三小学",
             ("彭阳县#1",), Form.CLASS_MEETING, C, "10:00-10:45", 50, CONFIRMED),
    DemoTalk(-9, "school-yz", "劳模家长上讲台：田间地头的科学", YZ1, ("马金国",),
             Form.PARENT, C, "10:10-10:50", 54, REPORTED, photos=2),
    DemoTalk(-6, "xiji-union", "劳模工匠进校园·西吉县城关第三小学", "西吉县城关第三小学",
             ("西吉县#2",), Form.SALUTE, H, "09:00-10:00", 240, HELD),
    DemoTalk(-5, "longde-union", "劳模工匠进校园·隆德县第二小学", "隆德县第二小学", ("隆德县#1",),
             Form.SALUTE, H, "09:30-10:30", 260, REPORTED),
    # The weeks ahead.
    DemoTalk(2, "school-yz", "劳模工匠进课堂：三营镇的讲台", YZ1, ("马国霞",),
             Form.CLASS_MEETING, H, "14:30-15:30", 360, CONFIRMED),
    DemoTalk(5, "city-union", "工匠精神伴我行·泾源县第一中学", "泾源县第一中学", ("何成斌",),
             Form.CRAFT_LESSON, H, "09:30-11:00", 380, CONFIRMED),
    DemoTalk(7, "yuanzhou-edu", "劳动最光荣·原州区城关第三小学", "原州区城关第三小学",
             ("原州区#1",), Form.CLASS_MEETING, C, "15:00-15:45", 50, CONFIRMED),
    DemoTalk(9, "city-union", "致敬劳模交流会·彭阳专场", "彭阳县高级中学", ("史晓东", "何成斌"),
             Form.SALUTE, H, "09:30-11:00", 400, HALF),
    DemoTalk(11, "xiji-union", "劳模工匠进校园·西吉县第一小学", "西吉县第一小学",
             ("西吉县#3", "西吉县#4"), Form.SALUTE, H, "09:00-10:00", 300, DECLINED,
             reason="年底单位安全生产检查，无法抽身"),
    DemoTalk(12, "city-union", "致敬劳模交流会·开发区专场", "开发区实验学校", ("李强",),
             Form.SALUTE, H, "09:30-10:30", 300, CANCELLED,
             reason="与学校期中考试时间冲突，改至下月"),
    DemoTalk(16, "school-yz", "劳模故事会：冬日里的坚守", YZ1, ("何成斌",),
             Form.SALUTE, H, "14:30-15:30", 420, PLANNED),
    DemoTalk(19, "city-edu", "线上劳模课堂：从教三十年", "online:smart_education", ("张小玲",),
             Form.VIDEO, NET, "19:30-20:30", 300, PLANNED),
]  # fmt: skip


@dataclass
class TalkSummary:
    """What one loading of the demo talks did, and what demo talks there are."""

    added: int = 0
    reports: int = 0
    photos: int = 0
    skipped: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    levels: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def __str__(self) -> str:
        statuses = "、".join(
            f"{label}{self.statuses[value]}"
            for value, label in Status.choices
            if self.statuses[value]
        )
        levels = "、".join(
            f"{label}{self.levels[value]}" for value, label in Level.choices if self.levels[value]
        )
        line = (
            f"演示宣讲活动共{sum(self.statuses.values())}场（{statuses}；{levels}），"
            f"本次新增{self.added}场、报送{self.reports}次、照片{self.photos}张，"
            f"用时{self.seconds:.1f}秒"
        )
        if self.skipped:
            line += f"；未能载入{len(self.skipped)}场：{'、'.join(self.skipped)}"
        return line


def seed_talks(*, now: datetime | None = None) -> TalkSummary:
    """Load the demo talks that are not there yet; then send the day's reminders."""
    started = time.monotonic()
    now = now or timezone.now()
    loader = _Loader(now)
    summary = TalkSummary()
    existing = set(Talk.objects.unrestricted().filter(is_demo=True).values_list("title", flat=True))
    for spec in sorted(TALKS, key=lambda spec: spec.day):
        if spec.title in existing:
            continue
        try:
            with transaction.atomic():
                reports, photos = loader.load(spec)
        except (services.TalkError, LookupError, ObjectDoesNotExist) as exc:
            # A real booking in the way (the demo loaded into a database in use): leave it out.
            summary.skipped.append(f"{spec.title}（{exc}）")
            continue
        summary.added += 1
        summary.reports += reports
        summary.photos += photos
    services.send_reminders(now)

    demo = Talk.objects.unrestricted().filter(is_demo=True)
    summary.statuses = Counter(demo.values_list("status", flat=True))
    summary.levels = Counter(demo.values_list("level", flat=True))
    summary.seconds = time.monotonic() - started
    return summary


class _Loader:
    """Takes one demo talk through the services, as the people involved would."""

    def __init__(self, now: datetime):
        self.now = now
        self.today = timezone.localdate(now)
        self.users = {user.username: user for user in User.objects.filter(is_active=True)}
        self.drawn: dict[tuple[str, int, str], bytes] = {}

    # Who and where ---------------------------------------------------------------------------

    def user(self, username: str) -> User:
        try:
            return self.users[username]
        except KeyError:
            raise LookupError(f"没有演示账号 {username}") from None

    def person(self, ref: str) -> Person:
        if "#" in ref:
            county, position = ref.split("#")
            membership = (
                Membership.objects.filter(
                    # "开发区" stands for the zone's full name, 固原经济技术开发区.
                    group__region__name__endswith=county,
                    group__region__level__in=["county", "zone"],
                    group__is_demo=True,
                    position=int(position),
                )
                .select_related("person")
                .first()
            )
            if membership is None:
                raise LookupError(f"没有演示宣讲员 {ref}")
            return membership.person
        return Person.objects.unrestricted().get(name=ref, is_demo=True)

    def responder(self, person: Person, planner: User) -> User:
        """The lecturer's own login if they have one; otherwise the organiser answers for them."""
        for user in self.users.values():
            if user.role == Role.LECTURER and user.person_id == person.pk:
                return user
        return planner

    def window(self, spec: DemoTalk) -> tuple[datetime, datetime]:
        day = self.day_of(spec)
        start, end = spec.hours.split("-")
        return tuple(
            timezone.make_aware(datetime.combine(day, datetime.strptime(hm, "%H:%M").time()))
            for hm in (start, end)
        )

    def day_of(self, spec: DemoTalk) -> date:
        """`spec.day` from today, moved off weekends and public holidays to the nearest school
        day away from today (so a past talk stays past, a coming one to come), and past a day
        on which one of its lecturers already speaks."""
        step = timedelta(days=1 if spec.day > 0 else -1)
        day = self.today + timedelta(days=spec.day)
        lecturers = [self.person(ref) for ref in spec.lecturers]
        while not is_school_day(day) or self.busy(lecturers, day):
            day += step
        return day

    @staticmethod
    def busy(lecturers, day: date) -> bool:
        return (
            Booking.objects.unrestricted()
            .filter(person__in=lecturers, talk__starts_on=day)
            .exclude(talk__status=Status.CANCELLED)
            .exists()
        )

    def plan_of(self, spec: DemoTalk, starts, ends, planner: User) -> services.TalkPlan:
        plan = services.TalkPlan(
            title=spec.title,
            starts_at=starts,
            ends_at=ends,
            venue=spec.venue,
            form=spec.form,
            lecturers=[self.person(ref) for ref in spec.lecturers],
            special_name=spec.special_name,
            expected_audience=spec.expected,
            cost=self.cost(spec, planner),
        )
        kind, _colon, name = spec.where.partition(":")
        if kind == "base":
            plan.place = Place.BASE
            plan.base = Organisation.objects.unrestricted().get(name=name)
        elif kind == "online":
            plan.place, plan.online_platform = Place.ONLINE, name
        else:
            plan.school = School.objects.unrestricted().get(name=spec.where)
        return plan

    @staticmethod
    def cost(spec: DemoTalk, planner: User) -> Decimal:
        seed = zlib.crc32(spec.title.encode())
        if planner.role in (Role.CITY_UNION, Role.CITY_EDUCATION):
            return Decimal(800 + seed % 23 * 100)
        if planner.role == Role.SCHOOL:
            return Decimal(seed % 4 * 100)
        return Decimal(300 + seed % 13 * 100)

    # The talk's life ---------------------------------------------------------------------------

    def load(self, spec: DemoTalk) -> tuple[int, int]:
        """Plan, answer, hold, report, review or cancel; returns (reports, photos) filed."""
        planner = self.user(spec.planner)
        starts, ends = self.window(spec)
        planned_at = self.past(starts - timedelta(days=18 + spec.day % 7), hours=-30)
        plan = self.plan_of(spec, starts, ends, planner)
        with self.dated(planned_at):
            talk = services.plan_talk(plan, scope=Scope.for_user(planner), acting_user=planner).talk
        Talk.objects.unrestricted().filter(pk=talk.pk).update(is_demo=True, created_at=planned_at)

        answered_at = self.past(planned_at + timedelta(days=2), hours=-20)
        bookings = list(Booking.objects.unrestricted().filter(talk=talk).order_by("id"))
        if spec.fate == DECLINED:
            self.answer(bookings[0], planner, answered_at, accept=False, reason=spec.reason)
        elif spec.fate == HALF:
            self.answer(bookings[0], planner, answered_at, accept=True)
        elif spec.fate != PLANNED:
            for booking in bookings:
                self.answer(booking, planner, answered_at, accept=True)

        if spec.fate == CANCELLED:
            cancelled_at = self.past(
                min(starts - timedelta(days=1), answered_at + timedelta(days=4))
            )
            with self.dated(cancelled_at):
                services.cancel_talk(talk, reason=spec.reason, acting_user=planner)
            return 0, 0
        if spec.fate in (PLANNED, HALF, DECLINED, CONFIRMED):
            return 0, 0
        if spec.fate == HELD:
            with self.dated(self.past(ends + timedelta(hours=2))):
                services.mark_held(talk, acting_user=planner)
            return 0, 0
        return self.report(spec, talk, planner, ends)

    def answer(self, booking, planner, moment, *, accept: bool, reason: str = "") -> None:
        person = Person.objects.unrestricted().get(pk=booking.person_id)
        with self.dated(moment):
            services.respond(
                booking, accept=accept, reason=reason, acting_user=self.responder(person, planner)
            )
        Booking.objects.unrestricted().filter(pk=booking.pk).update(responded_at=moment)

    def report(self, spec: DemoTalk, talk: Talk, planner: User, ends) -> tuple[int, int]:
        filer = self.user("school-yz") if spec.where == YZ1 else planner
        reviewer = self.user("city-union" if spec.day % 2 else "city-edu")
        submitted_at = self.past(ends + timedelta(days=1, hours=spec.day % 5), hours=-6)
        first = self.submit(spec, talk, filer, submitted_at, number=1)
        if spec.fate == REPORTED:
            return 1, len(first)
        decided_at = self.past(submitted_at + timedelta(days=2), hours=-2)
        if spec.fate == ACCEPTED:
            self.review(talk, reviewer, decided_at, accept=True)
            if spec.consent:
                self.consent(talk, self.past(decided_at + timedelta(days=1), hours=-1))
            return 1, len(first)
        self.review(talk, reviewer, decided_at, reasons=spec.reason)
        if spec.fate == RETURNED:
            return 1, len(first)
        resubmitted_at = self.past(decided_at + timedelta(days=2), hours=-1)
        second = self.submit(spec, talk, filer, resubmitted_at, number=2)
        self.review(talk, reviewer, self.past(resubmitted_at + timedelta(days=1)), accept=True)
        return 2, len(first) + len(second)

    def submit(self, spec: DemoTalk, talk: Talk, filer: User, moment, *, number: int) -> list:
        students = max(spec.expected - spec.expected // 8 - 2, 30 - spec.expected // 10)
        teachers = max(spec.expected // 15, 2)
        others = zlib.crc32(spec.title.encode()) % 4 if spec.expected > 100 else 0
        photos = self.photos(spec, talk, number=number)
        with self.dated(moment):
            report = services.submit_report(
                talk,
                students=students,
                teachers=teachers,
                others=others,
                account=_account(spec, talk),
                photos=photos,
                acting_user=filer,
            )
        TalkReport.objects.unrestricted().filter(pk=report.pk).update(submitted_at=moment)
        return photos

    def review(self, talk, reviewer, moment, *, accept: bool = False, reasons: str = "") -> None:
        report = TalkReport.objects.unrestricted().filter(talk=talk).order_by("-number").first()
        with self.dated(moment):
            if accept:
                services.accept_report(report, acting_user=reviewer)
            else:
                services.return_report(report, reasons=reasons, acting_user=reviewer)
        TalkReport.objects.unrestricted().filter(pk=report.pk).update(decided_at=moment)

    def consent(self, talk, moment) -> None:
        """The hosting school agrees to show the accepted report's photos on the showcase, so
        that the public page has something to show from the first run."""
        report = TalkReport.objects.unrestricted().filter(talk=talk).order_by("-number").first()
        with self.dated(moment):
            services.record_consent(report, consent=True, acting_user=self.user("school-yz"))
        TalkReport.objects.unrestricted().filter(pk=report.pk).update(public_consent_at=moment)

    # Photos ------------------------------------------------------------------------------------

    def photos(self, spec: DemoTalk, talk: Talk, *, number: int) -> list[services.PhotoUpload]:
        """A stage photo (banner and lecturer), a close-up of the lecturer, the audience; two
        photos make do with the stage and the audience. A resubmission keeps the good photos."""
        kinds = ["banner", "lecturer", "audience"] if spec.photos >= 3 else ["banner", "audience"]
        shows = {
            "banner": {"shows_banner": True, "shows_lecturer": True},
            "lecturer": {"shows_lecturer": True},
            "audience": {"shows_audience": True},
        }
        uploads = []
        for position, kind in enumerate(kinds):
            taken_at = talk.starts_at + timedelta(minutes=6 + 17 * position)
            redo = number > 1 and (
                (spec.flaw == WRONG_DATE and kind == "lecturer")
                or (spec.flaw.startswith("reused:") and kind == "audience")
                or (spec.fate == RESUBMITTED and not spec.flaw and kind == "audience")
            )
            version = 2 if redo else 1
            if number == 1 and spec.flaw == WRONG_DATE and kind == "lecturer":
                taken_at -= timedelta(days=3)  # the rehearsal, not the talk
            data = None
            if number == 1 and kind == "audience" and spec.flaw.startswith("reused:"):
                data = self.drawn.get((spec.flaw.removeprefix("reused:"), 1, kind))
            if data is None:
                data = self.draw(spec.title, version, kind, talk.banner_text, taken_at)
            stamp = timezone.localtime(taken_at)
            uploads.append(
                services.PhotoUpload(
                    data=data,
                    filename=f"IMG_{stamp:%Y%m%d_%H%M%S}.jpg",
                    **shows[kind],
                )
            )
        return uploads

    def draw(self, title: str, version: int, kind: str, banner: str, taken_at) -> bytes:
        key = (title, version, kind)
        if key not in self.drawn:
            self.drawn[key] = draw_photo(
                kind,
                banner_text=banner,
                seed=zlib.crc32(f"{title}/{version}".encode()),
                taken_at=timezone.localtime(taken_at),
                size=PHOTO_SIZE,
            )
        return self.drawn[key]

    # Time --------------------------------------------------------------------------------------

    def past(self, moment: datetime, *, hours: float = 0) -> datetime:
        """`moment`, but never later than now (less `hours` when it would be)."""
        latest = self.now + timedelta(hours=hours) if hours < 0 else self.now
        return min(moment, latest)

    @contextmanager
    def dated(self, moment: datetime):
        """The notices sent by what runs inside are dated `moment`; old ones are read."""
        notices = Notification.objects.unrestricted()
        last = notices.aggregate(last=Max("id"))["last"] or 0
        yield
        read_at = moment + timedelta(hours=3) if moment < self.now - READ_AFTER else None
        notices.filter(pk__gt=last).update(created_at=moment, read_at=read_at)


def _account(spec: DemoTalk, talk: Talk) -> str:
    lecturers = "、".join(
        Person.objects.unrestricted()
        .filter(bookings__talk=talk, bookings__status="confirmed")
        .values_list("name", flat=True)
    )
    where = talk.place_name
    if spec.form == Form.VIDEO:
        return (
            f"{lecturers}通过{where}在线宣讲，各校组织学生集中收看。宣讲结合亲身经历讲述"
            "劳模精神、劳动精神、工匠精神，直播间互动踊跃。"
        )
    if spec.form == Form.ON_SITE:
        return (
            f"{lecturers}在{where}现场教学，示范绝技绝活，学生分组动手体验，"
            "对技能岗位有了直观认识。"
        )
    return (
        f"{lecturers}在{where}宣讲，用朴实的语言讲述敬业履职、匠心筑梦的亲身经历，"
        "师生认真聆听、踊跃提问，反响热烈。"
    )
