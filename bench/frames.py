"""Server-side frames for the delivery benchmarks: the real server's compact JSON, fresh ids.

The mix is what a busy channel carries: notifications, responses with the canonical
metadata, decision prompts and authorizations (shapes from PROTOCOL.md's vectors).
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any, Dict, List, Sequence

_PROMPT_ID = "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234"

_CONTENTS: Sequence[Dict[str, Any]] = (
    {"type": "notification", "text": "Build #812 finished", "priority": "low"},
    {"type": "response", "answer": "blue-green", "response_type": "text"},
    {
        "type": "decision",
        "decision_id": "deploy-strategy",
        "summary": "Which **deployment** strategy?",
        "context_markdown": "Error rate is **0.3%** over the last hour.",
        "options": [
            {"id": "blue-green", "label": "Blue/Green", "detail_markdown": "Zero-downtime swap."},
            {"id": "canary", "label": "Canary (10%)"},
            {"id": "rollback", "label": "Rollback to v1.4.2"},
        ],
        "recommendation": {"option_id": "blue-green", "rationale_markdown": "Fastest recovery."},
        "timeout_seconds": 300,
    },
    {
        "type": "authorization",
        "action": "Delete 3 stale S3 buckets",
        "context": {"buckets": ["logs-2019", "tmp-a", "tmp-b"]},
        "timeout_seconds": 120,
    },
)
_METADATA = {"option_id": "blue-green", "label": "Blue/Green", "index": 0}


def wire_timestamp(moment: datetime.datetime) -> str:
    """A UTC timestamp the way the real server writes it (9 fractional digits, ``Z``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "482Z"


def message_frame(content: Dict[str, Any], channel: str) -> str:
    """One server-side Message frame with a fresh id around ``content``."""
    message: Dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "channel": channel,
        "sender_type": "HUMAN" if content["type"] == "response" else "AGENT",
        "content": content,
        "timestamp": wire_timestamp(datetime.datetime.now(datetime.timezone.utc)),
        "correlation_id": _PROMPT_ID if content["type"] == "response" else None,
    }
    if content["type"] == "response":
        message["metadata"] = _METADATA
    return json.dumps(message, separators=(",", ":"))


def traffic(count: int, channels: Sequence[str]) -> List[str]:
    """``count`` frames cycling through the content mix and over ``channels``."""
    return [
        message_frame(_CONTENTS[index % len(_CONTENTS)], channels[index % len(channels)])
        for index in range(count)
    ]


def notification_frame(channel: str, text: str) -> str:
    """A notification frame (the smallest common message)."""
    return message_frame({"type": "notification", "text": text, "priority": "normal"}, channel)
