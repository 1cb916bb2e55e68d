"""The browser's pose model as backcoach installs and serves it: the files a page needs, with
their media types, nothing else from that folder, the model checked against the mediapipe
wheel's, and the session page told whether it can run pose itself."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette nags about its httpx-based test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from backcoach.web import pose_assets
from test_web_support import ORIGIN, make_harness, screen_answers


def package_dir(tmp_path: Path, model: bytes) -> Path:
    """A stand-in for node_modules/@mediapipe/pose: every file, the model's bytes given."""
    source = tmp_path / "package"
    source.mkdir(parents=True)
    for name in pose_assets.FILES:
        (source / name).write_bytes(model if name == pose_assets.MODEL else name.encode())
    (source / "pose_landmark_heavy.tflite").write_bytes(b"not needed")
    return source


def test_install_copies_what_a_page_needs_and_refuses_another_model(tmp_path: Path) -> None:
    wheel = pose_assets.wheel_model()
    assert wheel is not None  # the Python backend's model, in the mediapipe wheel
    source = package_dir(tmp_path, wheel.read_bytes())
    target = tmp_path / "served"
    pose_assets.install(source, target)
    assert sorted(p.name for p in target.iterdir()) == sorted(pose_assets.FILES)
    assert pose_assets.available(target)
    other = package_dir(tmp_path / "other", b"another model")
    with pytest.raises(SystemExit, match="differs from the mediapipe wheel's"):
        pose_assets.install(other, tmp_path / "refused")
    (source / "pose.js").unlink()
    with pytest.raises(SystemExit, match=r"lacks pose\.js"):
        pose_assets.install(source, tmp_path / "incomplete")


@pytest.mark.skipif(not pose_assets.available(), reason="scripts/setup.sh has not installed it")
def test_the_installed_model_is_the_wheels() -> None:
    wheel = pose_assets.wheel_model()
    assert wheel is not None
    served = pose_assets.ASSETS_DIR / pose_assets.MODEL
    assert pose_assets.sha256(served) == pose_assets.sha256(wheel)


def test_the_app_serves_the_files_with_their_types_and_nothing_else(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in pose_assets.FILES:
        (assets / name).write_bytes(b"x")
    (assets / "secret.txt").write_text("not for the page")
    h = make_harness(tmp_path, pose_assets_dir=assets)
    with TestClient(h.app, base_url=ORIGIN) as client:
        types = {
            name: client.get(f"/pose-model/{name}").headers["content-type"]
            for name in ("pose.js", "pose_solution_simd_wasm_bin.wasm", pose_assets.MODEL)
        }
        assert types["pose.js"].startswith("text/javascript")
        assert types["pose_solution_simd_wasm_bin.wasm"] == "application/wasm"
        assert types[pose_assets.MODEL] == "application/octet-stream"
        assert client.get("/pose-model/secret.txt").status_code == 404
        assert client.get("/pose-model/../app.py").status_code == 404
        # The session page tells its script where pose may run.
        client.post("/screen", data=screen_answers())
        client.post("/api/session/start", json={"pain_before": 1})
        for asked, mode in (("", "auto"), ("?pose=server", "server"), ("?pose=gpu", "auto")):
            page = client.get("/session" + asked).text
            data = json.loads(page.split('id="session-data">', 1)[1].split("</script>", 1)[0])
            assert data["pose"]["mode"] == mode and data["pose"]["available"] is True
            assert data["pose"]["assets"] == "/pose-model/" and data["pose"]["min_fps"] == 10.0
    h.store.close()
    (tmp_path / "none").mkdir()
    missing = make_harness(tmp_path / "none", pose_assets_dir=tmp_path / "nowhere")
    with TestClient(missing.app, base_url=ORIGIN) as client:
        assert client.get("/pose-model/pose.js").status_code == 404
    missing.store.close()
