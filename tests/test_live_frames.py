"""A live frame is checked before it is decoded: its capture time must be a number and its
picture (size read from the JPEG header) at most MAX_FRAME_PIXELS."""

from __future__ import annotations

import json
import struct
import time
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from backcoach.errors import InputError
from backcoach.web.live import MAX_FRAME_PIXELS, decode_frame, encode_frame
from test_web_support import ORIGIN, WebHarness, harness, jpeg_message

__all__ = ["harness"]


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header says it is ``width`` x ``height`` (a decompression bomb)."""
    ok, data = cv2.imencode(".jpg", np.zeros((16, 16, 3), dtype=np.uint8))
    assert ok
    jpeg = bytearray(data.tobytes())
    start = jpeg.index(b"\xff\xc0")  # baseline start-of-frame: length, precision, height, width
    struct.pack_into(">HH", jpeg, start + 5, height, width)
    return bytes(jpeg)


def test_a_frame_claiming_16000_pixels_square_is_refused_before_decoding() -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match="is larger than the coach accepts"):
        decode_frame(encode_frame(0.0, jpeg_claiming(16000, 16000)))
    assert time.perf_counter() - started < 1.0  # the header alone was read
    with pytest.raises(InputError, match="3000×2000 pixels is larger"):
        decode_frame(encode_frame(0.0, jpeg_claiming(3000, 2000)))
    assert MAX_FRAME_PIXELS >= 2000 * 2000


def test_a_frame_within_the_limit_decodes() -> None:
    client_ms, rgb = decode_frame(jpeg_message(12.0, 320, 180))
    assert client_ms == 12.0 and rgb.shape == (180, 320, 3)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_frame_time_that_is_not_a_number_is_refused(bad: float) -> None:
    with pytest.raises(InputError, match="not a number"):
        decode_frame(jpeg_message(bad))


def not_json(name: str) -> None:
    raise AssertionError(f"{name} is not JSON a browser can parse")


def receive_json(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(500):
        message = json.loads(ws.receive_text(), parse_constant=not_json)
        if message["type"] == kind:
            return dict(message)
    raise AssertionError(f"no {kind} message")


def test_a_nan_frame_does_not_poison_later_messages(harness: WebHarness) -> None:
    with (
        TestClient(harness.app, base_url=ORIGIN) as client,
        client.websocket_connect(
            "/ws/live?tab=a&exercise=bridge", headers={"origin": ORIGIN}
        ) as ws,
    ):
        ws.send_bytes(jpeg_message(100.0))
        receive_json(ws, "pose")
        ws.send_bytes(jpeg_message(float("nan")))
        assert "not a number" in receive_json(ws, "error")["message"]
        ws.send_bytes(encode_frame(200.0, jpeg_claiming(16000, 16000)))
        assert "larger than" in receive_json(ws, "error")["message"]
        ws.send_bytes(jpeg_message(166.0))
        pose = receive_json(ws, "pose")
        assert pose["t"] == pytest.approx(0.066)
        receive_json(ws, "state")
