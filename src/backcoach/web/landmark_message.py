"""Landmarks from the browser: the message a page sends when the pose model runs on its device.

In this mode no image leaves the device. The page sends one text message per frame::

    {"type": "landmarks", "t": 1234.5, "width": 640, "height": 360,
     "image": [x0, y0, z0, x1, ...] (99 numbers) or null when nobody is seen,
     "world": [...] (99 numbers, metres), "visibility": [...] (33 numbers)}

``t`` is the page's capture time in milliseconds. Every field is checked before the frame
reaches the analysis engine: sizes first (the raw text is bounded), then 33 points of finite
numbers within plausible ranges, and a capture time that never goes backwards.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backcoach.errors import InputError
from backcoach.jsonio import loads
from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import LANDMARK_COUNT

MAX_MESSAGE_CHARS = 8_192  # a real message is about 2 kB
MAX_SIDE = 10_000  # pixels
# The model places points a little outside the picture when a limb leaves it; far outside
# is not a pose.
IMAGE_LIMIT = 10.0
WORLD_LIMIT = 10.0  # metres from the hips
DECIMALS = 4  # what the page rounds to; 0.1 mm in world units, 1/10000 of the picture

ImageNumber = Annotated[float, Field(ge=-IMAGE_LIMIT, le=IMAGE_LIMIT, allow_inf_nan=False)]
WorldNumber = Annotated[float, Field(ge=-WORLD_LIMIT, le=WORLD_LIMIT, allow_inf_nan=False)]
Visibility = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
POINTS3 = LANDMARK_COUNT * 3


class LandmarkMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["landmarks"]
    t: Annotated[float, Field(allow_inf_nan=False, ge=0.0)]
    width: Annotated[int, Field(ge=1, le=MAX_SIDE)]
    height: Annotated[int, Field(ge=1, le=MAX_SIDE)]
    image: Annotated[list[ImageNumber], Field(min_length=POINTS3, max_length=POINTS3)] | None
    world: Annotated[list[WorldNumber], Field(min_length=POINTS3, max_length=POINTS3)] | None = None
    visibility: (
        Annotated[list[Visibility], Field(min_length=LANDMARK_COUNT, max_length=LANDMARK_COUNT)]
        | None
    ) = None


def read_text_message(text: str) -> dict[str, Any]:
    """A text message from the page as a JSON object, its size and nesting bounded first."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"A message from the page is larger than the coach accepts "
            f"({MAX_MESSAGE_CHARS} characters)."
        )
    try:
        data = loads(text, "A message from the page", max_depth=3)
    except ValueError as error:  # json.JSONDecodeError
        raise InputError("A message from the page is not JSON.") from error
    if not isinstance(data, dict):
        raise InputError("A message from the page is not a JSON object.")
    return data


def check_landmarks(data: dict[str, Any]) -> LandmarkMessage:
    """Check one landmark message; a clear InputError says what is wrong with it."""
    try:
        message = LandmarkMessage.model_validate(data)
    except ValidationError as error:
        where = ".".join(str(part) for part in error.errors()[0]["loc"]) or "the message"
        raise InputError(f"A landmark message is not valid ({where}).") from error
    if message.image is not None and (message.world is None or message.visibility is None):
        raise InputError("A landmark message with a pose must carry world points and visibility.")
    return message


def parse_landmarks(text: str) -> LandmarkMessage:
    """``read_text_message`` and ``check_landmarks`` in one."""
    return check_landmarks(read_text_message(text))


def to_pose_frame(message: LandmarkMessage, timestamp: float, index: int) -> PoseFrame:
    """The analysis engine's frame for a checked message (``timestamp`` in seconds)."""
    if message.image is None:
        return PoseFrame.empty(timestamp, message.width, message.height, index)
    assert message.world is not None and message.visibility is not None  # parse_landmarks
    return PoseFrame(
        timestamp=timestamp,
        image=np.asarray(message.image, dtype=np.float64).reshape(LANDMARK_COUNT, 3),
        world=np.asarray(message.world, dtype=np.float64).reshape(LANDMARK_COUNT, 3),
        visibility=np.asarray(message.visibility, dtype=np.float64),
        width=message.width,
        height=message.height,
        index=index,
    )


def landmark_message(frame: PoseFrame, client_ms: float) -> dict[str, object]:
    """The message a page would send for ``frame`` (for tests and the capacity bench)."""
    message: dict[str, object] = {
        "type": "landmarks",
        "t": round(client_ms, 1),
        "width": frame.width,
        "height": frame.height,
        "image": None,
    }
    if frame.detected:
        message["image"] = _rounded(frame.image)
        message["world"] = _rounded(frame.world)
        message["visibility"] = _rounded(frame.visibility)
    return message


def _rounded(values: npt.NDArray[np.float64]) -> list[float]:
    return [0.0 if not math.isfinite(v) else round(float(v), DECIMALS) for v in values.ravel()]
