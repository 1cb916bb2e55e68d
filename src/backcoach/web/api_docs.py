"""What the JSON API's OpenAPI schema says about bodies and answers.

The routes read their JSON bodies themselves (bounded, see ``web.limits`` and ``jsonio``),
so the bodies are described here for the schema; the answers each route can give, errors
included, likewise.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backcoach.web.coach import COMMANDS


class StartBody(BaseModel):
    pain_before: int | None = Field(None, ge=0, le=10, description="Pain right now, 0-10.")
    camera: bool = Field(True, description="Count reps with the camera when it can.")


class CommandBody(BaseModel):
    command: Literal[COMMANDS] = Field(description="What the person pressed.")  # type: ignore[valid-type]


class PainBody(BaseModel):
    score: int = Field(ge=0, le=10, description="Pain now, 0-10.")


class FinishBody(BaseModel):
    pain_after: int | None = Field(None, ge=0, le=10, description="Pain after, 0-10.")


class ErrorAnswer(BaseModel):
    model_config = ConfigDict(extra="allow")
    error: str = Field(description="What is wrong, in one sentence.")


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


VIDEO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The video file itself, as the raw body.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The answers of a route: a JSON object when it worked, ``{"error": ...}`` otherwise."""
    described = {
        400: "The request cannot be used (bad JSON, a value out of range, wrong state).",
        403: "The safety rules or the screen do not allow this now.",
        404: "No such exercise or analysis.",
        408: "The body stopped arriving.",
        409: "It does not fit what is happening now (no session running, or one already).",
        413: "The body is larger than the limit.",
        503: "The journal cannot be used now.",
    }
    answers: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "The state after the request (a JSON object).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    answers.update({code: {"model": ErrorAnswer, "description": described[code]} for code in codes})
    return answers
