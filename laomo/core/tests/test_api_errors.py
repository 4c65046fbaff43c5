"""Every error the API answers is in Chinese and names the field, as the pages do: bounds and
types (422), a body that is no JSON (400), a session write without its CSRF token (403), and the
plain refusals (401, 404, 405, 500)."""

import json
import re

import pytest
from django.test import Client

from laomo.accounts.models import ApiToken
from laomo.core.api_errors import FIELD_LABELS
from laomo.core.testing.factories import PASSWORD

# What ninja and pydantic say on their own; none of it may reach a caller.
ENGLISH = re.compile(
    r"Field required|Input should|Not Found|Method not allowed|Cannot parse|"
    r"CSRF check Failed|Unauthorized|String should|Server Error"
)


@pytest.fixture
def api(world):
    """A client that calls with county A's union's token."""
    _token, raw = ApiToken.issue(world.user("county_union_a"))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _chinese(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    assert not ENGLISH.search(text), text
    assert re.search(r"[\u4e00-\u9fff]", body["detail"]), body
    return body


def test_a_query_parameter_out_of_bounds_is_named(api):
    body = _chinese(api.get("/api/v1/schools", {"page": "0", "stage": "nursery"}), 422)
    assert body["errors"]["page"] == ["页码不能小于1"]
    stage = body["errors"]["stage"][0]
    assert stage.startswith("学段应为以下之一：primary（小学）、junior（初中）")
    assert body["detail"].startswith("请求参数有误：")
    assert "页码不能小于1" in body["detail"]
    body = _chinese(api.get("/api/v1/talks", {"since": "昨天", "page_size": "x"}), 422)
    assert body["errors"]["since"] == ["起始日期应为日期，如 2026-03-05"]
    assert body["errors"]["page_size"] == ["每页条数应为整数"]


def test_a_path_id_out_of_bounds_is_named(api):
    body = _chinese(api.get("/api/v1/talks/abc"), 422)
    assert body["errors"]["talk_id"] == ["活动编号应为整数"]


def test_json_body_fields_are_named_by_their_labels(api, world):
    payload = {
        "title": "",
        "ends_at": "明天",
        "venue": "gym",
        "form": "first_lesson",
        "lecturer_ids": ["何成斌"],
        "expected_audience": -1,
        "special_name": "专" * 61,
    }
    response = api.post("/api/v1/talks", payload, content_type="application/json")
    errors = _chinese(response, 422)["errors"]
    assert errors["title"] == ["活动名称不能为空"]
    assert errors["starts_at"] == ["缺少开始时间"]
    assert errors["ends_at"] == ["结束时间应为日期和时间，如 2026-03-05T14:30:00+08:00"]
    assert errors["venue"][0].startswith("场所应为以下之一：hall（礼堂）、classroom（教室）")
    assert errors["lecturer_ids.0"] == ["宣讲员编号第1项应为整数"]
    assert errors["expected_audience"] == ["预计观众人数不能小于0"]
    assert errors["special_name"] == ["专场名称不能超过60个字"]


def test_a_nul_in_a_field_is_named(api, world):
    response = api.post(
        "/api/v1/talks/1/cancel", {"reason": "a\\u0000b"}, content_type="application/json"
    )
    # Refused before the body is read (laomo.api.refuse_nul): the whole call, not a field.
    assert _chinese(response, 400)["detail"] == "请求中含有空字符（\\x00），已拒绝"


def test_form_fields_are_named(api, held_talk):
    response = api.post(f"/api/v1/talks/{held_talk.pk}/report", {"students": "许多"})
    errors = _chinese(response, 422)["errors"]
    assert errors["students"] == ["学生人数应为整数"]
    assert errors["teachers"] == ["缺少教师人数"]
    assert "photos" not in errors  # optional since a resubmission may keep every photo


def test_a_body_that_is_no_json(api):
    response = api.post("/api/v1/talks", "{title: 1}", content_type="application/json")
    assert _chinese(response, 400)["detail"] == "请求正文不是有效的 JSON（第1行第2列附近）"
    response = api.post("/api/v1/talks", b"\xff\xfe", content_type="application/json")
    assert "请求正文不是有效的 JSON" in _chinese(response, 400)["detail"]


def test_a_session_write_without_csrf_is_refused_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="county_union_a", password=PASSWORD)
    url = f"/api/v1/model-workers/{world.a.person.pk}/reveal-phone"
    refused = client.post(url)
    assert "CSRF 校验失败" in _chinese(refused, 403)["detail"]
    assert "X-CSRFToken" in refused.json()["detail"]
    # With the token from the cookie, the same call goes through.
    client.get("/")
    allowed = client.post(url, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert allowed.status_code == 200, allowed.content


def test_the_plain_refusals(api, world):
    assert _chinese(Client().get("/api/v1/schools"), 401)["detail"] == "未登录或令牌无效"
    assert _chinese(api.get("/api/v1/talks/999999"), 404)["detail"] == "未找到"
    assert _chinese(api.get("/api/v1/no-such-thing"), 404)["detail"] == "未找到"
    reveal = f"/api/v1/model-workers/{world.a.person.pk}/reveal-phone"
    refused = api.get(reveal)
    assert _chinese(refused, 405)["detail"] == "不支持此请求方法（此地址可用：POST）"
    assert refused["Allow"] == "POST"
    assert _chinese(api.delete("/api/v1/schools"), 405)["detail"].startswith("不支持此请求方法")


def test_a_server_error_is_answered_in_chinese(api, monkeypatch):
    from laomo.schools import api as schools_api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(schools_api, "apply_common", broken)
    client = Client(HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"])
    client.raise_request_exception = False
    body = _chinese(client.get("/api/v1/schools"), 500)
    assert body["detail"] == "服务器出错，请稍后再试；如一再出现，请联系管理员"
    assert "boom" not in json.dumps(body)


def test_every_api_field_has_a_chinese_label(world, login):
    """A parameter or body field added to the API without a label here fails, so its errors
    never name it in English."""
    schema = login(world.user("city_union")).get("/api/v1/openapi.json").json()
    names = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            names |= {parameter["name"] for parameter in operation.get("parameters", [])}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content["schema"]
                if "$ref" in body:
                    body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
                names |= set(body.get("properties", {}))
    assert len(names) > 40
    missing = sorted(names - set(FIELD_LABELS))
    assert not missing, missing
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in FIELD_LABELS.values())
