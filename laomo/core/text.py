"""What people type, made uniform: names, phone numbers, honours, and pinyin search keys."""

from __future__ import annotations

import itertools
import re
import unicodedata

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin, pinyin

# Unified ideographs, extensions A–H (rare characters do occur in names), compatibility forms.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_AROUND_DOT = re.compile(r"\s*·\s*")
# Control characters (XML cannot hold them, so no workbook could either) and invisible ones.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code - 0xFEE0).isalnum()}
_FULLWIDTH.update({0x3000: " ", 0xA0: " "})
_NAME = re.compile(rf"[{_CJK}A-Za-z][{_CJK}A-Za-z·• ]*[{_CJK}A-Za-z]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(
    r"\(?(0\d{2,3})\)?[\s\-—–]*([2-9]\d{6,7})(?:\s*(?:-|转|ext\.?|#)\s*(\d{1,6}))?", re.IGNORECASE
)
_PHONE_NOISE = re.compile(r"[\s\-—–()]")
HONOUR_SEPARATORS = re.compile(r"[、，,；;/／\n]+")
_YEAR_PREFIX = re.compile(r"^(\d{4})\s*年(?:度)?\s*")


class InputError(ValueError):
    """A value someone typed that cannot be made sense of; the message is for them."""


def halfwidth(value: object) -> str:
    """Full-width digits, letters and spaces become their ordinary forms; ends are trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def tidy_text(value: object) -> str:
    """Free text as typed (a unit, a note): full-width digits and letters made ordinary, invisible
    and control characters dropped, ends trimmed. Chinese punctuation (，（）：) is kept: NFKC
    would turn it into ASCII, which is not how Chinese text is written."""
    if value is None:
        return ""
    text = _INVISIBLE.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return text.translate(_FULLWIDTH).strip()


def normalize_name(value: object) -> str:
    """李 强 → 李强: spaces typed to align two-character names in a column are dropped."""
    name = _SPACE_BETWEEN_CJK.sub("", halfwidth(_INVISIBLE.sub("", str(value or ""))))
    name = _SPACE_AROUND_DOT.sub("·", re.sub(r"\s+", " ", name).replace("•", "·"))
    if not name:
        raise InputError(_("姓名不能为空"))
    if len(name) < 2 or len(name) > 30 or not _NAME.fullmatch(name):
        raise InputError(_("姓名“{name}”不像是人名（应为2–30个汉字或字母）").format(name=name))
    return name


def normalize_gender(value: object) -> str:
    text = halfwidth(value)
    if text in {"男", "男性"}:
        return "男"
    if text in {"女", "女性"}:
        return "女"
    if not text:
        raise InputError(_("性别不能为空，应填写“男”或“女”"))
    raise InputError(_("性别“{value}”无法识别，应填写“男”或“女”").format(value=text))


def normalize_phone(value: object) -> str:
    """A mobile as 11 digits, a landline as 0954-2683888 (with -extension if any); '' for none.

    Chinese area codes are three digits for 010 and 02x and four for all others, so a landline
    typed without its dash can still be split.
    """
    text = halfwidth(_INVISIBLE.sub("", value) if isinstance(value, str) else value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text:
        return ""
    text = re.sub(r"^(?:\+|00)?86(?=[\s\-]|1[3-9]\d{9}$)[\s\-]*", "", text)
    compact = _PHONE_NOISE.sub("", text)
    if _MOBILE.fullmatch(compact):
        return compact
    if re.fullmatch(r"0\d{9,11}", compact):
        split = 3 if compact.startswith(("010", "02")) else 4
        area, local = compact[:split], compact[split:]
        if len(local) in (7, 8) and local[0] != "0" and local[0] != "1":
            return f"{area}-{local}"
    match = _LANDLINE.fullmatch(text)
    if match:
        area, local, extension = match.groups()
        return f"{area}-{local}" + (f"-{extension}" if extension else "")
    raise InputError(
        _(
            "联系电话“{value}”格式不正确：应为11位手机号，或带区号的固定电话（如 0954-2683888）"
        ).format(value=text)
    )


MASK_KEEPS_DIGITS = 7


def mask_phone(phone: str) -> str:
    """139****9051 for a mobile, 0954-****888 for a landline: enough to recognise, not to call.

    At most seven digits are ever shown, whatever was stored: the area code and the last digits
    of a landline, or just the last four characters of anything unrecognised.
    """
    if not phone:
        return ""
    if _MOBILE.fullmatch(phone):
        return f"{phone[:3]}****{phone[-4:]}"
    if match := re.fullmatch(r"(0\d{2,3})-(\d{7,8})(?:-\d{1,6})?", phone):
        area, local = match.groups()
        keep = MASK_KEEPS_DIGITS - len(area)
        return f"{area}-{'*' * (len(local) - keep)}{local[-keep:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def split_honours(value: object) -> list[tuple[int | None, str]]:
    """One cell of honours → [(year or None, title)], split on 、，,；; and line breaks.

    "2019年自治区劳动模范" → (2019, "自治区劳动模范"); spaces between Chinese characters are
    dropped as in names, so "自治区 劳动模范" is the same honour.
    """
    honours: list[tuple[int | None, str]] = []
    for part in HONOUR_SEPARATORS.split(tidy_text(value)):
        title = _SPACE_BETWEEN_CJK.sub("", part.strip())
        if not title:
            continue
        year = None
        if (match := _YEAR_PREFIX.match(title)) and title[match.end() :].strip():
            year = int(match.group(1))
            title = title[match.end() :].strip()
        if (year, title) not in honours:
            honours.append((year, title))
    return honours


def honour_level_of(title: str) -> str:
    """The level an honour's own title states: 全国… national, 自治区…/省… regional, and so on."""
    if title.startswith(("全国", "中华全国", "国家", "大国工匠", "中国")):
        return "national"
    if title.startswith(("自治区", "宁夏", "省")) or "省" in title[:4]:
        return "regional"
    if title.startswith("市") or "市" in title[:4]:
        return "city"
    if title.startswith(("县", "区")) or re.match(r"^..?[县区旗]", title):
        return "county"
    return ""


MAX_READINGS = 8


def pinyin_keys(text: str) -> str:
    """Search keys for a Chinese name: full pinyin and initials, for each likely reading.

    何成斌 → "hechengbin hcb". Characters with several readings (单, 曾, 解 …) contribute each
    reading, up to a bound, so that "shan" finds 单 whether or not it is read as a surname.
    """
    text = halfwidth(text)
    if not text:
        return ""
    keys = [
        "".join(lazy_pinyin(text)).lower(),
        "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower(),
    ]
    readings = pinyin(text, style=Style.NORMAL, heteronym=True, errors="ignore")
    combos = 1
    for options in readings:
        combos *= max(len(options), 1)
    if 1 < combos <= MAX_READINGS:
        for choice in itertools.product(*readings):
            keys.append("".join(choice).lower())
            keys.append("".join(syllable[0] for syllable in choice if syllable).lower())
    return " ".join(dict.fromkeys(key for key in keys if key))


def search_terms(query: str) -> list[str]:
    """A search box's text as lower-cased terms; every term must match."""
    return [term.lower() for term in halfwidth(query).split() if term][:8]
