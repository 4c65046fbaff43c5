"""Normalising what people type: names, genders, phones, honours, pinyin keys."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laomo.core.text import (
    InputError,
    honour_level_of,
    mask_phone,
    normalize_gender,
    normalize_name,
    normalize_phone,
    pinyin_keys,
    search_terms,
    split_honours,
    tidy_text,
)

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SPACES = st.sampled_from([" ", "  ", "\u3000", "\t", "\xa0"])
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


# Names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("李 强", "李强"),
        ("李\u3000\u3000强", "李强"),
        (" 何成斌 ", "何成斌"),
        ("马\t金\t国", "马金国"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("张\u200b小玲", "张小玲"),
        ("𠈌强", "𠈌强"),  # a character outside the basic block, as some names have
        ("John  Smith", "John Smith"),
    ],
)
def test_normalize_name(typed, name):
    assert normalize_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [("", "姓名不能为空"), ("   ", "姓名不能为空"), ("李", "不像是人名"), ("李强1", "不像是人名")],
)
def test_normalize_name_refuses(typed, fragment):
    with pytest.raises(InputError, match=fragment):
        normalize_name(typed)


@given(
    name=st.lists(cjk, min_size=2, max_size=6).map("".join),
    data=st.data(),
)
def test_spaces_between_chinese_characters_never_change_a_name(name, data):
    typed = data.draw(SPACES) if data.draw(st.booleans()) else ""
    for char in name:
        typed += char + data.draw(st.lists(SPACES, max_size=2).map("".join))
    assert normalize_name(typed) == name


# Genders ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "gender"), [("男", "男"), (" 女 ", "女"), ("男性", "男")])
def test_normalize_gender(typed, gender):
    assert normalize_gender(typed) == gender


@pytest.mark.parametrize(("typed", "fragment"), [("", "不能为空"), ("M", "无法识别")])
def test_normalize_gender_refuses(typed, fragment):
    with pytest.raises(InputError, match=fragment):
        normalize_gender(typed)


# Phones ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("18395069051", "18395069051"),
        (18395069051, "18395069051"),
        (18395069051.0, "18395069051"),
        ("183 9506 9051", "18395069051"),
        ("183-9506-9051", "18395069051"),
        ("１８３９５０６９０５１", "18395069051"),
        ("+86 183 9506 9051", "18395069051"),
        ("8618395069051", "18395069051"),
        ("0954-2683888", "0954-2683888"),
        ("09542683888", "0954-2683888"),
        ("(0954)2683888", "0954-2683888"),
        ("０９５４－２６８３８８８", "0954-2683888"),
        ("0954 2683888 转 12", "0954-2683888-12"),
        ("010-62345678", "010-62345678"),
        ("02087654321", "020-87654321"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_phone(typed, phone):
    assert normalize_phone(typed) == phone


@pytest.mark.parametrize(
    "typed", ["1234567", "2683888", "12345678901", "1839506905", "183950690511", "电话", "0954-12"]
)
def test_normalize_phone_refuses_with_a_chinese_reason(typed):
    with pytest.raises(InputError, match=r"联系电话.*格式不正确"):
        normalize_phone(typed)


@given(mobile=mobiles, data=st.data())
def test_every_well_formed_mobile_is_accepted_however_typed(mobile, data):
    noise = st.lists(st.sampled_from([" ", "-", "\u3000", "－", " - "]), max_size=2).map("".join)
    typed = data.draw(noise)
    for digit in mobile:
        if data.draw(st.booleans()):
            digit = digit.translate(FULL_WIDTH)
        typed += digit + data.draw(noise)
    assert normalize_phone(typed) == mobile


# Masks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13995049051", "139****9051"),
        ("0954-2683888", "0954-****888"),
        ("010-62345678", "010-****5678"),
        ("0954-2683888-12", "0954-****888"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def _digits(text):
    return len(re.findall(r"\d", text))


@given(mobile=mobiles)
def test_a_masked_mobile_shows_seven_digits_at_most(mobile):
    masked = mask_phone(mobile)
    assert _digits(masked) <= 7
    assert masked[:3] == mobile[:3]
    assert masked[-4:] == mobile[-4:]


@given(area=st.from_regex(r"0[1-9][0-9]{1,2}", fullmatch=True), local=st.data())
def test_a_masked_landline_shows_seven_digits_at_most(area, local):
    number = local.draw(st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True))
    assert _digits(mask_phone(f"{area}-{number}")) <= 7


@given(st.text(alphabet="0123456789-+ ()转", max_size=30))
def test_mask_phone_never_reveals_more_than_seven_digits_of_anything(stored):
    assert _digits(mask_phone(stored)) <= 7


# Honours -----------------------------------------------------------------------------------------


def test_split_honours():
    assert split_honours(
        "2019年自治区劳动模范、全国五一劳动奖章，市先进工作者；2015年度先进工作者"
    ) == [
        (2019, "自治区劳动模范"),
        (None, "全国五一劳动奖章"),
        (None, "市先进工作者"),
        (2015, "先进工作者"),
    ]
    assert split_honours("自治区 劳动模范\n自治区劳动模范") == [(None, "自治区劳动模范")]
    assert split_honours("２０１９年市先进工作者") == [(2019, "市先进工作者")]
    assert split_honours("2019年") == [(None, "2019年")]  # never dropped silently
    assert split_honours("") == []
    assert split_honours(None) == []


honour_titles = st.lists(
    st.text(
        alphabet=st.characters(categories=["Lo"], exclude_characters="、，；／"),
        min_size=1,
        max_size=12,
    ),
    max_size=6,
    unique=True,
)


@given(titles=honour_titles, separator=st.sampled_from(["、", "，", ",", "；", ";", "\n", " 、 "]))
def test_split_honours_round_trips_a_joined_list(titles, separator):
    titles = [t for t in titles if t.strip()]
    assert split_honours(separator.join(titles)) == [(None, t) for t in titles]


@given(
    honours=st.lists(
        st.tuples(
            st.none() | st.integers(1950, 2100),
            st.sampled_from(["自治区劳动模范", "先进工作者", "市先进工作者", "全国五一劳动奖章"]),
        ),
        unique_by=lambda h: h[1],
        max_size=4,
    )
)
def test_split_honours_reads_back_what_export_writes(honours):
    written = "、".join(f"{year}年{title}" if year else title for year, title in honours)
    assert split_honours(written) == honours


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("全国劳动模范", "national"),
        ("大国工匠", "national"),
        ("自治区五一劳动奖章", "regional"),
        ("市先进工作者", "city"),
        ("固原市劳动模范", "city"),
        ("原州区劳动模范", "county"),
        ("先进工作者", ""),
    ],
)
def test_honour_level_of(title, level):
    assert honour_level_of(title) == level


# Free text and search ---------------------------------------------------------------------------


def test_tidy_text_keeps_chinese_punctuation():
    assert (
        tidy_text(" 固原市人民医院（老年科），书记\u200b\x0b ") == "固原市人民医院（老年科），书记"
    )
    assert tidy_text("２０２３年ＡＢ") == "2023年AB"
    assert tidy_text("第一行\r\n第二行") == "第一行\n第二行"
    assert tidy_text(None) == ""


def test_pinyin_keys():
    keys = pinyin_keys("何成斌").split()
    assert "hechengbin" in keys
    assert "hcb" in keys
    assert pinyin_keys("何成斌") == "hechengbin hcb"
    assert pinyin_keys("") == ""


def test_pinyin_keys_give_every_reading_of_a_surname():
    keys = pinyin_keys("单强").split()
    assert "shanqiang" in keys
    assert "sq" in keys
    assert "danqiang" in keys


@settings(max_examples=50)
@given(st.text(max_size=12))
def test_pinyin_keys_are_lower_case_words(text):
    keys = pinyin_keys(text)
    assert keys == keys.lower()
    assert len(keys.split()) <= 2 + 2 * 8


def test_search_terms():
    assert search_terms(" HCB  何成斌 ") == ["hcb", "何成斌"]
    assert len(search_terms(" ".join("abcdefghijk"))) == 8
