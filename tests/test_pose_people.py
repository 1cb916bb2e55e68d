"""Counting people: the detector on real footage frames, and the video survey's rule."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from backcoach.pose.mediapipe_backend import MediaPipePersonDetector
from backcoach.pose.people import PeopleSurvey, people_in_frame, survey_people
from backcoach.pose.sources import VideoFileSource

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
BIRD_DOG = FOOTAGE / "bird_dog" / "Hanshitha22__personalised-fitness-companion__pelvic-tilts.mp4"
SIT_UP = FOOTAGE / "sit_up" / "malikmrllh__exercises__abdominal.mp4"
needs_footage = pytest.mark.skipif(
    not (BIRD_DOG.exists() and SIT_UP.exists()), reason=f"real footage not available at {FOOTAGE}"
)


def frame_at(path: Path, seconds: float) -> npt.NDArray[np.uint8]:
    for timestamp, _, rgb in VideoFileSource(path):
        if timestamp >= seconds:
            return rgb
    raise AssertionError(f"{path} is shorter than {seconds} s")


@pytest.fixture(scope="module")
def detector() -> MediaPipePersonDetector:
    return MediaPipePersonDetector()


@pytest.mark.footage
@needs_footage
def test_counts_one_then_two_people(detector: MediaPipePersonDetector) -> None:
    first = frame_at(BIRD_DOG, 2.0)
    second = frame_at(SIT_UP, 12.0)
    second = np.asarray(cv2.resize(second, (first.shape[1], first.shape[0])), dtype=np.uint8)
    assert people_in_frame(first, detector) == 1
    assert people_in_frame(second, detector) == 1
    # Two real frames one above the other: two people in one picture.
    assert people_in_frame(np.vstack([first, second]), detector) == 2
    assert people_in_frame(np.zeros_like(first), detector) == 0


@pytest.mark.footage
@needs_footage
def test_survey_of_a_one_person_video() -> None:
    survey = survey_people(BIRD_DOG, samples=6)
    assert survey.frames_checked == 6
    assert survey.typical == 1 and not survey.several_people and not survey.nobody


def test_survey_rule_needs_agreement_between_frames() -> None:
    assert PeopleSurvey((1, 1, 2, 1, 1, 1, 1, 1)).typical == 1  # one stray frame
    assert PeopleSurvey((1, 2, 2, 1, 2, 1, 1, 1)).several_people
    assert PeopleSurvey((0, 0, 0)).nobody and PeopleSurvey((0, 0, 0)).typical == 0
    assert PeopleSurvey(()).typical == 0


@pytest.mark.footage
@needs_footage
def test_pose_estimator_reports_people_when_asked() -> None:
    from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator

    first = frame_at(BIRD_DOG, 2.0)
    second = cv2.resize(frame_at(SIT_UP, 12.0), (first.shape[1], first.shape[0]))
    with MediaPipePoseEstimator(people_every=1.0) as estimator:
        assert estimator.estimate(first, 0.0).extras["people"] == 1
        both = np.vstack([first, second])
        # Within the second the last count stands; after it, the two people are counted.
        assert estimator.estimate(both, 0.5).extras["people"] == 1
        assert estimator.estimate(both, 1.2).extras["people"] == 2
    with MediaPipePoseEstimator() as estimator:
        assert "people" not in estimator.estimate(first, 0.0).extras
