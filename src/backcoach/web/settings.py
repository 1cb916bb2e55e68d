"""The web coach's settings, declared once with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class WebSettings:
    """How the web coach listens and what it may keep.

    ``allowed_origins`` adds origins (``scheme://host:port``) that may open the live WebSocket;
    the server's own loopback origins are always allowed. ``allowed_hosts`` adds host names
    the coach answers to; listening on every address (0.0.0.0) requires at least one.
    ``save_frames`` keeps uploaded videos (instead of deleting them right after analysis) and
    live camera frames in ``save_dir``, readable by their owner only; off, neither is written.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_mb: int = 200
    allowed_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()  # host names the coach answers to beyond loopback
    save_frames: bool = False
    save_dir: Path | None = None
    live_frame_width: int = 320
    live_jpeg_quality: float = 0.7
    model_complexity: int = 1  # the full model is the one bundled with mediapipe (no download)
    people_every: float = 2.0  # seconds between counts of the people in the picture
    state_interval_seconds: float = 0.25
    upload_dir: Path | None = None  # where uploads wait while analysed; system temp when None
    # Pose in the browser: the page measures its own pose speed and uses it at this rate or
    # faster; slower (or without WebAssembly) it sends frames to the server instead.
    browser_pose_min_fps: float = 10.0
    pose_assets_dir: Path | None = None  # the browser's pose model; web.pose_assets when None
    tls: bool = False  # served over HTTPS (a phone's browser gives the camera only there)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def origins(self) -> frozenset[str]:
        """Every origin the live WebSocket accepts."""
        hosts = {*LOOPBACK_HOSTS, self.host, *self.allowed_hosts}
        scheme = "https" if self.tls else "http"
        own = {f"{scheme}://{host}:{self.port}" for host in hosts}
        return frozenset(own | set(self.allowed_origins))
