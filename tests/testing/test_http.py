"""HTTP conformance (PROTOCOL §3, §4.1-4.3): statuses, bodies and normalisation."""

import json
import uuid

import pytest

from ailoop.testing import AiloopTestServer

from .conftest import Http, decision, message, notification

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
INVALID_CHARACTERS = (
    "Channel name contains invalid characters "
    "(only letters, numbers, hyphens, and underscores allowed)"
)
VARY = "origin, access-control-request-method, access-control-request-headers"


def post_json(http: Http, path: str, body: object) -> "object":
    return http.post(path, data=json.dumps(body), headers={"Content-Type": JSON})


def test_health_reports_frozen_version_and_zero_counters(http: Http) -> None:
    response = http.get("/api/v1/health")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    assert response.text == (
        '{"status":"healthy","version":"1.0.0","active_connections":0,'
        '"queue_size":0,"active_channels":0}'
    )


@pytest.mark.ailoop_server(version="0.1.42")
def test_version_override(http: Http) -> None:
    assert http.get("/api/v1/health").json()["version"] == "0.1.42"


def test_every_response_carries_the_cors_vary_header(http: Http) -> None:
    assert http.get("/api/v1/health").headers["vary"] == VARY
    assert http.get("/nope").headers["vary"] == VARY


def test_options_is_answered_200_empty_on_any_path(http: Http) -> None:
    for path in ("/api/v1/messages", "/does/not/exist", "/"):
        response = http.request("OPTIONS", path)
        assert (response.status_code, response.content) == (200, b"")
        assert response.headers["vary"] == VARY


@pytest.mark.parametrize(
    "path", ["/nope", "/ws", "/api/v1/health/", "/api/v1", "/api/v1/pending/x"]
)
def test_unknown_path_is_json_404(http: Http, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == JSON
    assert response.json() == {"error": "Not found"}


def test_root_without_upgrade_is_empty_404(http: Http) -> None:
    response = http.get("/")
    assert (response.status_code, response.content) == (404, b"")
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v1/health", "GET,HEAD"),
        ("GET", "/api/v1/messages", "POST"),
        ("DELETE", "/api/v1/tasks", "POST,GET,HEAD"),
        ("POST", "/", "GET,HEAD"),
    ],
)
def test_wrong_method_on_known_path_is_empty_405(
    http: Http, method: str, path: str, allowed: str
) -> None:
    response = http.request(method, path)
    assert (response.status_code, response.content) == (405, b"")
    assert response.headers["Allow"] == allowed


def test_head_is_served_by_get_routes(http: Http) -> None:
    response = http.request("HEAD", "/api/v1/health")
    assert (response.status_code, response.content) == (200, b"")


def test_api_test_route_ignores_its_body(http: Http) -> None:
    response = http.post("/api/test", data="not json at all")
    assert response.json() == {"test": "ok"}


def test_post_message_answers_201_with_the_normalised_message(http: Http) -> None:
    sent = message(notification("Build done"), channel="builds")
    sent.update(timestamp="2026-06-11T11:30:00.5+02:00", metadata=None, extra="dropped")
    sent["content"]["confidence"] = 3
    response = post_json(http, "/api/v1/messages", sent)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == JSON
    assert response.text == (
        f'{{"id":"{sent["id"]}","channel":"builds","sender_type":"AGENT",'
        '"content":{"type":"notification","text":"Build done","priority":"low"},'
        '"timestamp":"2026-06-11T09:30:00.500Z","correlation_id":null}'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-06-11T09:30:00Z", "2026-06-11T09:30:00Z"),
        ("2026-06-11t09:30:00z", "2026-06-11T09:30:00Z"),
        ("2026-06-11 09:30:00+00:00", "2026-06-11T09:30:00Z"),
        ("2026-06-11T09:30:00.1Z", "2026-06-11T09:30:00.100Z"),
        ("2026-06-11T09:30:00.000001Z", "2026-06-11T09:30:00.000001Z"),
        ("2026-06-11T09:30:00.123456789Z", "2026-06-11T09:30:00.123456789Z"),
        ("2026-06-11T09:30:00.1234567891Z", "2026-06-11T09:30:00.123456789Z"),
        ("2026-06-11T09:30:00.120000Z", "2026-06-11T09:30:00.120Z"),
        ("2026-06-11T00:30:00-01:30", "2026-06-11T02:00:00Z"),
        ("2026-06-11T09:30:00+0200", "2026-06-11T07:30:00Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"),
    ],
)
def test_timestamps_are_normalised_to_utc_z(http: Http, value: str, expected: str) -> None:
    response = post_json(http, "/api/v1/messages", message(notification(), timestamp=value))
    assert response.status_code == 201
    assert response.json()["timestamp"] == expected


@pytest.mark.parametrize(
    "value",
    [
        "2026-06-11T09:30:00.123456",
        "2026-06-11T09:30:00",
        "2026-06-11",
        "1718000000",
        "",
        "2026-02-30T00:00:00Z",
    ],
)
def test_timestamps_without_offset_or_invalid_are_422(http: Http, value: str) -> None:
    response = post_json(http, "/api/v1/messages", message(notification(), timestamp=value))
    assert response.status_code == 422
    assert response.headers["Content-Type"] == TEXT


def test_numeric_timestamp_is_422(http: Http) -> None:
    response = post_json(http, "/api/v1/messages", message(notification(), timestamp=1718000000))
    assert response.status_code == 422


@pytest.mark.parametrize(
    "form",
    [
        "3F2A9C1E-7B4D-4E8A-9C21-5D6E7F801234",
        "3f2a9c1e7b4d4e8a9c215d6e7f801234",
        "{3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234}",
        "urn:uuid:3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234",
    ],
)
def test_uuids_in_any_crate_form_are_emitted_lowercase_hyphenated(http: Http, form: str) -> None:
    response = post_json(
        http, "/api/v1/messages", message(notification(), id=form, correlation_id=form)
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == body["correlation_id"] == "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234"


@pytest.mark.parametrize(
    "form",
    ["3f2a9c1e-7b4d4e8a-9c21-5d6e7f801234", "uuid:3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234", "xyz"],
)
def test_malformed_uuid_is_422(http: Http, form: str) -> None:
    assert post_json(http, "/api/v1/messages", message(notification(), id=form)).status_code == 422


def test_metadata_null_is_omitted_and_any_json_value_is_echoed(http: Http) -> None:
    for metadata, expected in (({}, {}), ([1, "a"], [1, "a"]), ("s", "s"), (7, 7)):
        body = post_json(
            http, "/api/v1/messages", message(notification(), metadata=metadata)
        ).json()
        assert body["metadata"] == expected
    body = post_json(http, "/api/v1/messages", message(notification(), metadata=None)).json()
    assert "metadata" not in body


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            {"type": "authorization", "action": "x", "timeout_seconds": 0},
            {"type": "authorization", "action": "x", "context": None, "timeout_seconds": 0},
        ),
        (
            {"type": "response", "response_type": "text"},
            {"type": "response", "answer": None, "response_type": "text"},
        ),
        (
            {
                "timeout_seconds": 1,
                "type": "decision",
                "summary": "s",
                "decision_id": "d",
                "options": [{"label": "L", "id": "i", "detail_markdown": None}],
                "recommendation": None,
                "context_markdown": None,
            },
            {
                "type": "decision",
                "decision_id": "d",
                "summary": "s",
                "options": [{"id": "i", "label": "L"}],
                "timeout_seconds": 1,
            },
        ),
    ],
)
def test_content_is_reordered_and_optional_fields_normalised(
    http: Http, content: dict, expected: dict
) -> None:
    body = post_json(http, "/api/v1/messages", message(content)).json()
    assert list(body["content"].items()) == list(expected.items())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m.pop("id"),
        lambda m: m.pop("timestamp"),
        lambda m: m.pop("channel"),
        lambda m: m.pop("content"),
        lambda m: m.update(sender_type="agent"),
        lambda m: m.update(sender_type="SYSTEM"),
        lambda m: m.update(correlation_id="nope"),
        lambda m: m["content"].update(type="question"),
        lambda m: m["content"].update(type="Notification"),
        lambda m: m["content"].pop("type"),
        lambda m: m["content"].update(priority=None),
        lambda m: m["content"].update(priority="critical"),
        lambda m: m["content"].update(text=None),
        lambda m: m.update(content="notification"),
    ],
)
def test_wrong_shape_is_422_text(http: Http, mutate: object) -> None:
    sent = message(notification())
    mutate(sent)  # type: ignore[operator]
    response = post_json(http, "/api/v1/messages", sent)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == TEXT
    assert response.text.startswith("Failed to deserialize the JSON body into the target type")


@pytest.mark.parametrize("timeout", [-1, 2**32, 1.5, 1.0, "5", True, None])
def test_timeout_seconds_must_be_u32(http: Http, timeout: object) -> None:
    response = post_json(
        http, "/api/v1/messages", message({**decision(timeout=0), "timeout_seconds": timeout})
    )
    assert response.status_code == 422


def test_timeout_seconds_is_required(http: Http) -> None:
    content = decision()
    del content["timeout_seconds"]
    assert post_json(http, "/api/v1/messages", message(content)).status_code == 422


def test_u32_bounds_are_accepted(http: Http) -> None:
    for timeout in (0, 2**32 - 1):
        assert (
            post_json(http, "/api/v1/messages", message(decision(timeout=timeout))).status_code
            == 201
        )


def test_duplicate_known_field_is_422_but_duplicate_unknown_field_is_ignored(http: Http) -> None:
    sent = message(notification())
    text = json.dumps(sent)
    duplicated = text[:-1] + ', "channel": "other"}'
    response = http.post("/api/v1/messages", data=duplicated, headers={"Content-Type": JSON})
    assert response.status_code == 422
    ignored = text[:-1] + ', "x": 1, "x": 2}'
    response = http.post("/api/v1/messages", data=ignored, headers={"Content-Type": JSON})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    ["{", "", "nope", '{"id": NaN}', "\ufeff{}", '{"id": "\\ud800"}'],
)
def test_json_syntax_errors_are_400_text(http: Http, body: str) -> None:
    response = http.post(
        "/api/v1/messages", data=body.encode("utf-8"), headers={"Content-Type": JSON}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == TEXT
    assert response.text.startswith("Failed to parse the request body as JSON")


def test_invalid_utf8_body_is_400(http: Http) -> None:
    response = http.post("/api/v1/messages", data=b'{"id": "\xff"}', headers={"Content-Type": JSON})
    assert response.status_code == 400


def test_trailing_garbage_after_a_valid_message_is_400(http: Http) -> None:
    body = json.dumps(message(notification())) + " x"
    response = http.post("/api/v1/messages", data=body, headers={"Content-Type": JSON})
    assert response.status_code == 400


def test_shape_error_wins_over_trailing_garbage(http: Http) -> None:
    response = http.post(
        "/api/v1/messages", data='{"id": 5} garbage', headers={"Content-Type": JSON}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "json"]
)
def test_missing_or_non_json_content_type_is_415_text(http: Http, content_type: object) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = http.post(
        "/api/v1/messages", data=json.dumps(message(notification())), headers=headers
    )
    assert response.status_code == 415
    assert response.headers["Content-Type"] == TEXT
    assert response.text == "Expected request with `Content-Type: application/json`"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.api+json"],
)
def test_json_content_type_variants_are_accepted(http: Http, content_type: str) -> None:
    response = http.post(
        "/api/v1/messages",
        data=json.dumps(message(notification())),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 201


def test_body_over_2_mib_is_413(http: Http) -> None:
    sent = message(notification("x" * (2 * 1024 * 1024)))
    response = post_json(http, "/api/v1/messages", sent)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("", "Channel name is empty"),
        ("a" * 65, "Channel name is too long (max 64 characters)"),
        ("é" * 33, "Channel name is too long (max 64 characters)"),
        ("-ops", "Channel name must start with a letter or number"),
        ("_ops", "Channel name must start with a letter or number"),
        ("System", "Channel name is reserved: System"),
        ("AILOOP", "Channel name is reserved: AILOOP"),
        ("admin", "Channel name is reserved: admin"),
        ("ops team", INVALID_CHARACTERS),
        ("opé", INVALID_CHARACTERS),
    ],
)
def test_invalid_channel_is_400_json(http: Http, channel: str, error: str) -> None:
    response = post_json(http, "/api/v1/messages", message(notification(), channel=channel))
    assert response.status_code == 400
    assert response.headers["Content-Type"] == JSON
    assert response.json() == {"error": error}


@pytest.mark.parametrize("channel", ["a" * 64, "Ops", "9-lives", "a_b-c", "systems"])
def test_valid_channels_are_accepted(http: Http, channel: str) -> None:
    assert (
        post_json(http, "/api/v1/messages", message(notification(), channel=channel)).status_code
        == 201
    )


def test_shutting_down_answers_503_after_json_checks_before_channel_checks(
    server: AiloopTestServer, http: Http
) -> None:
    server.begin_shutdown()
    response = post_json(http, "/api/v1/messages", message(notification(), channel="System"))
    assert response.status_code == 503
    assert response.json() == {"error": "server shutting down"}
    assert (
        http.post("/api/v1/messages", data="{", headers={"Content-Type": JSON}).status_code == 400
    )
    assert http.get("/api/v1/health").status_code == 200


def test_posting_the_same_id_twice_stores_it_twice(server: AiloopTestServer, http: Http) -> None:
    sent = message(notification())
    assert post_json(http, "/api/v1/messages", sent).status_code == 201
    assert post_json(http, "/api/v1/messages", sent).status_code == 201
    assert len(server.messages("ops")) == 2


def test_get_message_by_id_searches_all_channels(http: Http) -> None:
    sent = message(notification(), channel="elsewhere")
    post_json(http, "/api/v1/messages", sent)
    response = http.get(f"/api/v1/messages/{sent['id'].upper()}")
    assert response.status_code == 200
    assert response.json()["channel"] == "elsewhere"


def test_get_unknown_message_is_json_404_with_normalised_id(http: Http) -> None:
    wanted = uuid.uuid4()
    response = http.get(f"/api/v1/messages/{wanted.hex}")
    assert response.status_code == 404
    assert response.json() == {"error": "Message not found", "message_id": str(wanted)}


@pytest.mark.parametrize(
    "path", ["/api/v1/messages/not-a-uuid", "/api/v1/messages/not-a-uuid/response"]
)
def test_bad_uuid_in_path_is_400_text(http: Http, path: str) -> None:
    response = http.request(
        "GET" if path.endswith("uuid") else "POST", path, json={"response_type": "text"}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == TEXT


def test_response_to_unknown_original_is_json_404(http: Http) -> None:
    wanted = str(uuid.uuid4())
    response = http.post(
        f"/api/v1/messages/{wanted}/response", json={"answer": "x", "response_type": "text"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": "Original message not found", "message_id": wanted}


def test_response_creates_a_raw_response_message(server: AiloopTestServer, http: Http) -> None:
    original = message(notification(), channel="builds")
    post_json(http, "/api/v1/messages", original)
    response = http.post(
        f"/api/v1/messages/{original['id']}/response", json={"response_type": "timeout", "extra": 1}
    )
    assert response.status_code == 200
    raw = response.json()
    assert list(raw) == ["id", "channel", "sender_type", "content", "timestamp", "correlation_id"]
    assert raw["channel"] == "builds"
    assert raw["sender_type"] == "HUMAN"
    assert raw["content"] == {"type": "response", "answer": None, "response_type": "timeout"}
    assert raw["correlation_id"] == original["id"]
    assert raw["timestamp"].endswith("Z")
    assert http.get(f"/api/v1/messages/{raw['id']}").json() == raw


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"answer": "x"}, 422),
        ({"answer": "x", "response_type": "approved"}, 422),
        ({"answer": 5, "response_type": "text"}, 422),
        ({"answer": None, "response_type": "cancelled"}, 200),
    ],
)
def test_response_body_schema(http: Http, body: dict, status: int) -> None:
    original = message(notification())
    post_json(http, "/api/v1/messages", original)
    assert http.post(f"/api/v1/messages/{original['id']}/response", json=body).status_code == status


def test_response_without_content_type_is_415(http: Http) -> None:
    original = message(notification())
    post_json(http, "/api/v1/messages", original)
    response = http.post(
        f"/api/v1/messages/{original['id']}/response", data='{"response_type":"text"}'
    )
    assert response.status_code == 415


_UUID_1 = "6f1e2d1c-0000-4000-8000-000000000001"
_NOTE = f'{{"id":"{_UUID_1}","channel":"ops","sender_type":"AGENT",'


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [  # each pair as a real v1.0.14 server answered it
        (
            "[1,]",
            422,
            "[0]: invalid type: integer `1`, expected a formatted UUID string at line 1 column 2",
        ),
        ('{"a": "\\ud800"}', 422, "missing field `id` at line 1 column 15"),
        ("{", 400, "EOF while parsing an object at line 1 column 1"),
        ("", 400, "EOF while parsing a value at line 1 column 0"),
        (
            _NOTE + '"content":{"type":"navigate"},"timestamp":"2026-01-01T00:00:00Z"}',
            422,
            "content: missing field `url` at line 1 column 112",
        ),
        (
            _NOTE + '"content":{"type":"bogus"},"timestamp":"2026-01-01T00:00:00Z"}',
            422,
            "content.type: unknown variant `bogus`, expected one of `decision`, `authorization`, "
            "`notification`, `response`, `navigate`, `task_create`, `task_update`, "
            "`task_dependency_add`, `task_dependency_remove` at line 1 column 108",
        ),
        (
            '{"id":"x"}',
            422,
            "id: UUID parsing failed: invalid character: found `x` at 0 at line 1 column 9",
        ),
        (
            '{"id":"' + _UUID_1 + '","channel":"ops","sender_type":"agent"}',
            422,
            "sender_type: unknown variant `agent`, expected `AGENT` or `HUMAN` at line 1 column 82",
        ),
        (
            _NOTE
            + '"content":{"type":"notification","text":"x"},"timestamp":"2026-01-01T00:00:00Z"} x',
            400,
            "trailing characters at line 1 column 165",
        ),
    ],
)
def test_body_errors_read_like_serde_json(http: Http, body: str, status: int, text: str) -> None:
    response = http.post(
        "/api/v1/messages", data=body.encode("utf-8"), headers={"Content-Type": JSON}
    )
    prefix = {
        400: "Failed to parse the request body as JSON: ",
        422: "Failed to deserialize the JSON body into the target type: ",
    }[status]
    assert (response.status_code, response.text) == (status, prefix + text)


def test_path_and_query_rejections_name_the_field(http: Http) -> None:
    bad_id = http.get("/api/v1/messages/x")
    assert (bad_id.status_code, bad_id.text) == (
        400,
        "Invalid URL: Cannot parse `id` with value `x`: UUID parsing failed: "
        "invalid character: found `x` at 0",
    )
    for limit, reason in [
        ("abc", "invalid digit found in string"),
        ("", "cannot parse integer from empty string"),
        ("99999999999999999999", "number too large to fit in target type"),
    ]:
        reply = http.get(f"/api/channels/ops/messages?limit={limit}")
        assert (reply.status_code, reply.text) == (
            400,
            f"Failed to deserialize query string: limit: {reason}",
        )
