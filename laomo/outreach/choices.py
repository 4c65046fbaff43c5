"""The programme's fixed lists, in the words of the implementation plan (seed 002)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Who organises a talk (002 三(一)3, 三(二))."""

    CITY = "city", _("市级统筹")
    COUNTY = "county", _("县级统筹")
    SCHOOL = "school", _("学校自行邀请")


class Place(models.TextChoices):
    """Where a talk is held (002 二)."""

    SCHOOL = "school", _("学校")
    BASE = "base", _("劳动教育实践基地")
    ONLINE = "online", _("线上平台")


class Venue(models.TextChoices):
    """The room (002 四(四): 礼堂、教室、会议室、劳模工匠创新工作室)."""

    HALL = "hall", _("礼堂")
    CLASSROOM = "classroom", _("教室")
    MEETING_ROOM = "meeting_room", _("会议室")
    STUDIO = "studio", _("劳模工匠创新工作室")
    ONLINE = "online", _("线上")


class Form(models.TextChoices):
    """The form of the talk (002 四(三), 三(三))."""

    FIRST_LESSON = "first_lesson", _("开学第一课")
    CLASS_MEETING = "class_meeting", _("班会课")
    SALUTE = "salute", _("致敬劳模交流会")
    CRAFT_LESSON = "craft_lesson", _("工匠课")
    PARENT = "parent", _("劳模家长上讲台")
    ON_SITE = "on_site", _("现场教学")
    VIDEO = "video", _("视频")
    OTHER = "other", _("其他")


class OnlinePlatform(models.TextChoices):
    """Online platforms the plan names (002 二(三))."""

    SKILLS = "skills", _("技能强国—全国产业工人学习社区")
    SMART_EDUCATION = "smart_education", _("国家智慧教育公共服务平台")
    NINGXIA_CLOUD = "ningxia_cloud", _("宁夏教育云平台")
    NEW_MEDIA = "new_media", _("工会、教育系统新媒体平台")
    OTHER = "other", _("其他线上平台")


class Status(models.TextChoices):
    PLANNED = "planned", _("已计划")
    CONFIRMED = "confirmed", _("已确认")
    HELD = "held", _("已举办")
    REPORTED = "reported", _("资料已报送")
    ACCEPTED = "accepted", _("已验收")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已取消")


class BookingStatus(models.TextChoices):
    INVITED = "invited", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("已婉拒")


class Funding(models.TextChoices):
    """Who pays (002 四(四)): each level from its own budget, a school for its own invitation."""

    CITY = "city", _("市本级经费（市总工会、市教育体育局）")
    COUNTY = "county", _("县（区）经费（县（区）总工会、教育体育局）")
    SCHOOL = "school", _("邀请学校自行负担")


FUNDING_OF_LEVEL = {
    Level.CITY: Funding.CITY,
    Level.COUNTY: Funding.COUNTY,
    Level.SCHOOL: Funding.SCHOOL,
}


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待验收")
    ACCEPTED = "accepted", _("已验收")
    RETURNED = "returned", _("已退回")
