"""The pose layer: frames in, 33 body landmarks out, and what can be measured on them.

- ``sources``: video file (PyAV; real timestamps, rotation), webcam, image sequence.
- ``estimator`` / ``mediapipe_backend`` / ``replay``: the estimator protocol, BlazePose (the
  only mediapipe import), and a replay of saved landmarks.
- ``frame`` / ``track`` / ``landmarks_io``: one pose, a video's poses, their JSON file.
- ``smoothing`` (One Euro), ``geometry`` (angles, body-size distances), ``people`` (counting).
- ``pipeline``: ``estimate_video`` over a whole file, in one or several processes.
"""
