"""What the API answers when a call is wrong, in Chinese, naming the field: a parameter or body
field out of bounds (422), a body that is no JSON (400), a session call without its CSRF token
(403), and the plain refusals (401, 403, 404, 405, 429, 500), worded as the pages word them.

django-ninja reports a field by where it was read ("query", "path", "body", "form", "file") and
its name; pydantic says what is wrong with it in English. Here each becomes one sentence that
names the field by its Chinese label (`FIELD_LABELS`), as a form's error under its field does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The Chinese name of every field a caller can send: query and path parameters, JSON body fields
# and multipart form fields. A field added to the API without one here fails
# `test_every_api_field_has_a_chinese_label` (laomo/core/tests/test_api_errors.py).
FIELD_LABELS = {
    # Lists: pages, search and filters.
    "page": "页码",
    "page_size": "每页条数",
    "q": "关键词",
    "region": "区划代码",
    "archived": "是否已归档",
    "active": "是否可参加宣讲",
    "gender": "性别",
    "group": "宣讲团",
    "stage": "学段",
    "ownership": "办学性质",
    "status": "状态",
    "level": "统筹层级",
    "since": "起始日期",
    "until": "截止日期",
    "year": "年度",
    # Objects named in the path.
    "region_id": "区划编号",
    "school_id": "学校编号",
    "person_id": "劳模工匠编号",
    "group_id": "宣讲团编号",
    "talk_id": "活动编号",
    "booking_id": "邀请编号",
    "report_id": "报送编号",
    # A talk (as the page's form labels them).
    "title": "活动名称",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "venue": "场所",
    "form": "活动形式",
    "form_other": "其他形式说明",
    "lecturer_ids": "宣讲员编号",
    "place": "举办形式",
    "base_id": "实践基地编号",
    "online_platform": "线上平台",
    "special_name": "专场名称",
    "expected_audience": "预计观众人数",
    "cost": "经费",
    "note": "备注",
    # Steps of a talk's life, and its report.
    "reason": "原因",
    "reasons": "退回原因",
    "accept": "是否接受邀请",
    "students": "学生人数",
    "teachers": "教师人数",
    "others": "其他观众人数",
    "account": "活动情况",
    "photos": "照片",
    "captions": "图片说明",
    "shows": "照片内容",
    "keep": "保留的照片",
}

# Where django-ninja read a field, for a field it cannot name.
_SOURCES = {
    "query": "查询参数",
    "path": "路径参数",
    "body": "请求正文",
    "form": "表单字段",
    "file": "上传文件",
    "header": "请求头",
    "cookie": "Cookie",
}


def field_label(parts: Iterable[Any]) -> str:
    """ "宣讲员编号第2项" for ("lecturer_ids", 1); the API's own name where there is no label."""
    words = []
    for part in parts:
        if isinstance(part, int):
            words.append(_("第{n}项").format(n=part + 1))
        else:
            words.append(FIELD_LABELS.get(str(part), str(part)))
    return "".join(words)


def _field_path(loc: list) -> tuple[str, list]:
    """Where ninja found the field, and the field's own path. A JSON body's fields come under
    the name of the view's parameter that reads them ("body", "data", "title"): that name is
    the view's, not the caller's, and is left out."""
    source, *rest = [*loc] or ["body"]
    if source == "body" and rest:
        rest = rest[1:]
    return str(source), rest


@functools.cache
def choice_labels(name: str) -> dict[str, str]:
    """The Chinese names of the values a field called `name` takes, read from the models' fields
    of that name ("venue": {"hall": "礼堂", …}); a value two models name differently is left
    out rather than guessed."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    labels: dict[str, str] = {}
    clashing: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("laomo."):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        for value, label in getattr(field, "flatchoices", None) or []:
            value, label = str(value), str(label)
            if labels.setdefault(value, label) != label:
                clashing.add(value)
    return {value: label for value, label in labels.items() if value not in clashing}


def _expected(ctx: dict, name: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as "a（甲）、b（乙）、c（丙）", with each value's Chinese name
    where the models give one."""
    text = str(ctx.get("expected", ""))
    values = [part.strip(" '\"") for part in text.replace(" or ", ",").split(",")]
    labels = choice_labels(name) if name else {}
    return "、".join(
        f"{value}（{labels[value]}）" if value in labels else value for value in values if value
    )


def _message(error: dict, label: str, name: str = "") -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("缺少{label}"),
        "string_too_short": (
            _("{label}不能为空")
            if ctx.get("min_length") == 1
            else _("{label}至少应有{n}个字").format(label="{label}", n=ctx.get("min_length"))
        ),
        "string_too_long": _("{label}不能超过{n}个字").format(
            label="{label}", n=ctx.get("max_length")
        ),
        "too_short": _("{label}至少应有{n}项").format(label="{label}", n=ctx.get("min_length")),
        "too_long": _("{label}最多{n}项").format(label="{label}", n=ctx.get("max_length")),
        "greater_than_equal": _("{label}不能小于{n}").format(label="{label}", n=ctx.get("ge")),
        "greater_than": _("{label}应大于{n}").format(label="{label}", n=ctx.get("gt")),
        "less_than_equal": _("{label}不能大于{n}").format(label="{label}", n=ctx.get("le")),
        "less_than": _("{label}应小于{n}").format(label="{label}", n=ctx.get("lt")),
        "int_parsing": _("{label}应为整数"),
        "int_type": _("{label}应为整数"),
        "int_from_float": _("{label}应为整数"),
        "float_parsing": _("{label}应为数字"),
        "float_type": _("{label}应为数字"),
        "decimal_parsing": _("{label}应为数字"),
        "decimal_type": _("{label}应为数字"),
        "decimal_max_digits": _("{label}最多{n}位数字").format(
            label="{label}", n=ctx.get("max_digits")
        ),
        "decimal_max_places": _("{label}最多{n}位小数").format(
            label="{label}", n=ctx.get("decimal_places")
        ),
        "decimal_whole_digits": _("{label}的整数部分过长"),
        "bool_parsing": _("{label}应为 true 或 false"),
        "bool_type": _("{label}应为 true 或 false"),
        "string_type": _("{label}应为文字"),
        "list_type": _("{label}应为列表"),
        "model_type": _("{label}应为 JSON 对象"),
        "model_attributes_type": _("{label}应为 JSON 对象"),
        "dict_type": _("{label}应为 JSON 对象"),
        "date_parsing": _("{label}应为日期，如 2026-03-05"),
        "date_type": _("{label}应为日期，如 2026-03-05"),
        "date_from_datetime_parsing": _("{label}应为日期，如 2026-03-05"),
        "date_from_datetime_inexact": _("{label}应为日期，不含时间"),
        "datetime_parsing": _("{label}应为日期和时间，如 2026-03-05T14:30:00+08:00"),
        "datetime_type": _("{label}应为日期和时间，如 2026-03-05T14:30:00+08:00"),
        "datetime_from_date_parsing": _("{label}应为日期和时间，如 2026-03-05T14:30:00+08:00"),
        "enum": _("{label}应为以下之一：{expected}"),
        "literal_error": _("{label}应为以下之一：{expected}"),
        "json_invalid": _("{label}不是有效的 JSON"),
        "json_type": _("{label}不是有效的 JSON"),
        "value_error": _("{label}{reason}").format(
            label="{label}", reason=_("：") + str(ctx.get("error", "")).strip()
        ),
    }
    template = messages.get(kind, _("{label}的值不符合要求"))
    if "{expected}" in template:
        template = template.replace("{expected}", _expected(ctx, name))
    return template.replace("{label}", label)


def describe_validation_errors(errors: list[dict]) -> dict[str, list[str]]:
    """ninja's validation errors as {field: [Chinese sentences]}, the shape the API's 400 answers
    use (see laomo/outreach/api.py): the field by the caller's name for it, the sentence by its
    Chinese label."""
    described: dict[str, list[str]] = {}
    for error in errors:
        source, path = _field_path(list(error.get("loc") or []))
        key = ".".join(str(part) for part in path) or source
        label = field_label(path) if path else _SOURCES.get(source, source)
        name = next((str(part) for part in reversed(path) if isinstance(part, str)), "")
        described.setdefault(key, []).append(_message(error, label, name))
    return described


def validation_detail(described: dict[str, list[str]]) -> str:
    """One line for `detail`: "请求参数有误：活动名称不能为空；页码不能小于1"."""
    sentences = [message for messages in described.values() for message in messages]
    return _("请求参数有误：{errors}").format(errors="；".join(sentences))


def bad_json_detail(cause: BaseException | None) -> str:
    """A body that is no JSON: where the reading stopped, if the parser said."""
    if isinstance(cause, json.JSONDecodeError):
        return _("请求正文不是有效的 JSON（第{line}行第{column}列附近）").format(
            line=cause.lineno, column=cause.colno
        )
    if isinstance(cause, UnicodeDecodeError):
        return _("请求正文不是有效的 JSON（不是 UTF-8 编码）")
    return _("请求正文不是有效的 JSON")


CSRF_DETAIL = gettext_lazy(
    "CSRF 校验失败：用浏览器登录会话调用写操作时，须在 X-CSRFToken 请求头中带上 csrftoken "
    "Cookie 的值（或刷新页面后重试）；程序调用请改用 API 令牌（Authorization: Bearer）"
)


def status_detail(status: int) -> str:
    """The refusals that name no field."""
    return {
        400: _("请求有误"),
        401: _("未登录或令牌无效"),
        403: _("无权进行此操作"),
        404: _("未找到"),
        405: _("不支持此请求方法"),
        413: _("请求过大"),
        429: _("请求过于频繁，请稍后再试"),
        500: _("服务器出错，请稍后再试；如一再出现，请联系管理员"),
    }.get(status, _("请求未能完成（{status}）").format(status=status))


class ApiErrorMiddleware:
    """Under /api/, a refusal that did not come from the API's own handlers — a method the path
    does not take (405, answered by ninja before any handler), a path no endpoint has (404, from
    the URL resolver), a server error (500, Django's page) — is answered in JSON in Chinese like
    the rest, keeping its status and headers (Allow, Retry-After, WWW-Authenticate)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not response.streaming
        ):
            detail = status_detail(response.status_code)
            if response.status_code == 405 and response.get("Allow"):
                allowed = "、".join(m.strip() for m in response["Allow"].split(","))
                detail = _("{detail}（此地址可用：{allowed}）").format(
                    detail=detail, allowed=allowed
                )
            response.content = json.dumps({"detail": detail}, ensure_ascii=False).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
