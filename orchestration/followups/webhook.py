"""Posting new detractors to a webhook: which rows are new, what is sent, how.

The cursor is the (responded_at, portal, response_id) of the last detractor
posted, kept as JSON text by the Dagster sensor between ticks. Rows are posted
in that order, one request each, so a failure leaves the cursor on the last
row that was delivered and the next tick goes on from there.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

import duckdb

from orchestration.followups.export import QUEUE_TABLE, portable_value

# The fields a webhook receives; the comment is masked, the customer is the portal's id.
PAYLOAD_COLUMNS = (
    "portal",
    "response_id",
    "customer_id",
    "touchpoint",
    "customer_segment",
    "score",
    "nps_category",
    "responded_at",
    "due_at",
    "themes",
    "comment_text",
    "followup_status",
)


@dataclass(frozen=True)
class WebhookCursor:
    responded_at: datetime
    portal: str
    response_id: str

    def to_text(self) -> str:
        return json.dumps(
            {
                "responded_at": self.responded_at.isoformat(),
                "portal": self.portal,
                "response_id": self.response_id,
            }
        )

    @classmethod
    def from_text(cls, text: str) -> "WebhookCursor":
        value = json.loads(text)
        return cls(
            datetime.fromisoformat(value["responded_at"]), value["portal"], value["response_id"]
        )


def new_detractors(
    connection: duckdb.DuckDBPyConnection, cursor: WebhookCursor | None, now: datetime, limit: int
) -> list[dict]:
    """Detractors after the cursor, oldest first; without a cursor those not yet due at ``now``.

    Starting from the rows still within their service level, rather than the
    whole history, keeps a newly switched-on webhook from receiving years of
    old detractors.
    """
    columns = ", ".join(PAYLOAD_COLUMNS)
    if cursor is None:
        where, parameters = "due_at > ?", [now]
    else:
        where = (
            "(responded_at > ? or (responded_at = ? and "
            "(portal > ? or (portal = ? and response_id > ?))))"
        )
        parameters = [
            cursor.responded_at,
            cursor.responded_at,
            cursor.portal,
            cursor.portal,
            cursor.response_id,
        ]
    rows = connection.execute(
        f"select {columns} from {QUEUE_TABLE} "
        f"where nps_category = 'detractor' and {where} "
        "order by responded_at, portal, response_id limit ?",
        [*parameters, limit],
    ).fetchall()
    return [dict(zip(PAYLOAD_COLUMNS, row, strict=True)) for row in rows]


def payload(detractor: dict) -> bytes:
    body = {"event": "nps_detractor", **{k: portable_value(v) for k, v in detractor.items()}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def cursor_after(detractor: dict) -> WebhookCursor:
    return WebhookCursor(detractor["responded_at"], detractor["portal"], detractor["response_id"])


class WebhookError(RuntimeError):
    """A post failed; the message never contains the URL, which may hold a token."""


def post(url: str, body: bytes, timeout_seconds: float = 10.0) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise WebhookError(f"the webhook answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise WebhookError(f"the webhook could not be reached ({type(reason).__name__})") from None
