"""Fixed lists for people: the 56 ethnic groups (GB/T 3304 order) and honour levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _

ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]

ETHNICITY_CHOICES = [(name, name) for name in ETHNIC_GROUPS]


class Gender(models.TextChoices):
    MALE = "男", _("男")
    FEMALE = "女", _("女")


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    REGIONAL = "regional", _("省（自治区）级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县（区）级")
    UNSPECIFIED = "", _("未注明")


BATCH_NAMES = [
    "首批",
    "第二批",
    "第三批",
    "第四批",
    "第五批",
    "第六批",
    "第七批",
    "第八批",
    "第九批",
    "第十批",
]


def batch_name(batch: int) -> str:
    """1 → 首批, 2 → 第二批 … as the programme's documents count them."""
    if 1 <= batch <= len(BATCH_NAMES):
        return BATCH_NAMES[batch - 1]
    return f"第{batch}批"
