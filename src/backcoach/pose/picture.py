"""What the camera saw inside a video frame: black bars round it, or the black corners of a
picture an editor turned, are not part of it.

Edited videos often frame the camera's picture in black: a landscape recording put in a
portrait frame (bars above and below), a portrait one in a landscape frame (bars at the
sides), a picture turned a few degrees to straighten the horizon, the frame grown to hold it
and its corners filled black. The pose model reads a limb near the edge of the picture
differently depending on what lies beyond that edge: past the frame's own edge it is shown
the edge pixels repeated, past the edge of a picture framed in black it sees black. On a bird
dog whose raised foot leaves the picture, the same recording with bars above and below, or
turned by 15 degrees, lost every rep. So the picture alone is posed (a turned one turned back
upright) and the landmarks are put back into the whole frame afterwards.

Black framing is what has never been brighter than nearly black in any frame looked at so
far (every CHECK_EVERY-th): a person's dark clothes at the edge light up as soon as they move
or the edge reaches past them; an editor's black never does. Bars are whole rows or columns
of it at the frame's edge. A turned picture is a rectangle, tilted by at least MIN_TURN, whose
four corners each touch a different side of the frame, with black in all four of the frame's
corners: a camera's own picture never looks like that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

DARK = 24  # 0..255: bar pixels after video compression stay at or below this
MIN_PICTURE = 0.25  # bars never leave less than this share of the frame's width or height
# Where black framing meets the picture, scaling, turning and colour subsampling blend a pixel
# or two into a dark grey line; the model would see it repeated past the edge, so it goes too.
EDGE_TRIM = 4  # pixels
SAMPLE_STEP = 2  # rows and columns are looked at every second pixel (the last one too)
CHECK_EVERY = 8  # frames: framing does not move, so it is looked for again only this often
MIN_TURN = 1.0  # degrees: a picture turned less than this is posed as it is
RECTANGULAR = 0.97  # the picture fills at least this share of the tightest box round it
CORNER_REACH = 0.03  # a turned picture's corners lie this close to the frame's sides (share)


@dataclass(frozen=True)
class Picture:
    """The picture inside the frame, in pixels: upright, columns x0..x1 and rows y0..y1 (ends
    excluded); when ``turn`` is not 0, that box turned by ``turn`` degrees (clockwise on the
    screen) about its centre."""

    x0: int
    y0: int
    x1: int
    y1: int
    frame_width: int
    frame_height: int
    turn: float = 0.0

    @classmethod
    def whole(cls, width: int, height: int) -> Picture:
        return cls(0, 0, width, height, width, height)

    @property
    def is_whole(self) -> bool:
        whole = (0, 0, self.frame_width, self.frame_height)
        return (self.x0, self.y0, self.x1, self.y1) == whole and self.turn == 0.0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def _upright(self) -> npt.NDArray[np.float64]:
        """The affine map from the frame's pixels to the upright picture's."""
        centre = ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)
        to_upright = np.asarray(cv2.getRotationMatrix2D(centre, self.turn, 1.0), dtype=np.float64)
        to_upright[:, 2] -= (self.x0, self.y0)
        return to_upright

    def cut(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        if self.turn == 0.0:
            return rgb[self.y0 : self.y1, self.x0 : self.x1]
        upright = cv2.warpAffine(
            rgb,
            self._upright(),
            (self.width, self.height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return np.asarray(upright, dtype=np.uint8)

    def to_frame(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Landmarks normalised to the picture (x, y, z as the pose model gives them) turned
        into landmarks normalised to the whole frame. z shares x's scale."""
        out = points.copy()
        x = points[:, 0] * self.width
        y = points[:, 1] * self.height
        if self.turn == 0.0:
            x, y = x + self.x0, y + self.y0
        else:
            back = cv2.invertAffineTransform(self._upright())
            x, y = (
                (back[0, 0] * x + back[0, 1] * y + back[0, 2]),
                (back[1, 0] * x + back[1, 1] * y + back[1, 2]),
            )
        out[:, 0] = x / self.frame_width
        out[:, 1] = y / self.frame_height
        out[:, 2] = points[:, 2] * self.width / self.frame_width
        return out


def _span(lit: npt.NDArray[np.bool_], size: int) -> tuple[int, int] | None:
    """First and last (excluded) lit entry, moved EDGE_TRIM inwards from any bar."""
    where = np.flatnonzero(lit)
    if not where.size:
        return None
    start, end = int(where[0]), int(where[-1]) + 1
    return (start + EDGE_TRIM if start else 0), (end - EDGE_TRIM if end < size else size)


def picture_of(rows_lit: npt.NDArray[np.bool_], columns_lit: npt.NDArray[np.bool_]) -> Picture:
    """The picture inside any bars, given which rows and columns have ever shown picture."""
    height, width = len(rows_lit), len(columns_lit)
    rows = _span(rows_lit, height)
    columns = _span(columns_lit, width)
    if rows is None or columns is None:
        return Picture.whole(width, height)
    (y0, y1), (x0, x1) = rows, columns
    if y1 - y0 < MIN_PICTURE * height or x1 - x0 < MIN_PICTURE * width:
        return Picture.whole(width, height)
    return Picture(x0, y0, x1, y1, width, height)


def _frame_corners(lit: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Whether each of the frame's four corner samples has ever shown picture."""
    corners: npt.NDArray[np.bool_] = lit[[0, 0, -1, -1], [0, -1, 0, -1]]
    return corners


def turned_picture_of(
    lit: npt.NDArray[np.bool_],
    ys: npt.NDArray[np.intp],
    xs: npt.NDArray[np.intp],
    width: int,
    height: int,
) -> Picture | None:
    """A turned picture (see the module's note) from where sampled pixels ``lit[i, j]`` (row
    ``ys[i]``, column ``xs[j]``) have ever shown picture, or None when it is not one."""
    if _frame_corners(lit).any():
        return None  # a frame corner has shown picture
    # Each row's first and last lit pixel are all the convex hull needs.
    rows = np.flatnonzero(lit.any(axis=1))
    if len(rows) < 8:
        return None
    first = lit[rows].argmax(axis=1)
    last = lit.shape[1] - 1 - lit[rows, ::-1].argmax(axis=1)
    points = np.concatenate(
        [np.stack([xs[first], ys[rows]], axis=1), np.stack([xs[last], ys[rows]], axis=1)]
    ).astype(np.float32)
    hull = cv2.convexHull(points)
    (cx, cy), _, _ = box = cv2.minAreaRect(hull)
    corners = cv2.boxPoints(box)
    sides = [corners[(i + 1) % 4] - corners[i] for i in range(2)]
    # the side nearer to level is the picture's width
    along, across = sorted(sides, key=lambda side: abs(float(side[1])) / (np.hypot(*side) + 1e-9))
    turn = math.degrees(math.atan2(float(along[1]), float(along[0])))
    turn = (turn + 90.0) % 180.0 - 90.0
    box_width, box_height = float(np.hypot(*along)), float(np.hypot(*across))
    if not MIN_TURN <= abs(turn) <= 45.0:
        return None
    if cv2.contourArea(hull) < RECTANGULAR * box_width * box_height:
        return None
    if box_width < MIN_PICTURE * width or box_height < MIN_PICTURE * height:
        return None
    reach_x, reach_y = CORNER_REACH * width + SAMPLE_STEP, CORNER_REACH * height + SAMPLE_STEP
    touched = {
        side
        for x, y in corners
        for side, near in (
            ("left", x <= reach_x),
            ("right", x >= width - 1 - reach_x),
            ("top", y <= reach_y),
            ("bottom", y >= height - 1 - reach_y),
        )
        if near
    }
    if touched != {"left", "right", "top", "bottom"}:
        return None
    half_width = box_width / 2 - EDGE_TRIM
    half_height = box_height / 2 - EDGE_TRIM
    return Picture(
        round(cx - half_width),
        round(cy - half_height),
        round(cx + half_width),
        round(cy + half_height),
        width,
        height,
        turn=turn,
    )


def _samples(size: int) -> npt.NDArray[np.intp]:
    """Every SAMPLE_STEP-th position, and the last one: a bar at either edge is always seen."""
    positions: npt.NDArray[np.intp] = np.unique(np.r_[0:size:SAMPLE_STEP, size - 1])
    return positions


def _between_samples(
    lit: npt.NDArray[np.bool_], positions: npt.NDArray[np.intp], size: int
) -> npt.NDArray[np.bool_]:
    """Whether each of ``size`` lines is lit, from the sampled lines ``positions``: lit only
    when the samples either side are, so a line next to a bar counts as bar, never the other
    way round."""
    line = np.arange(size)
    before = np.searchsorted(positions, line, side="right") - 1
    after = np.minimum(np.searchsorted(positions, line), len(positions) - 1)
    result: npt.NDArray[np.bool_] = lit[before] & lit[after]
    return result


class PictureBounds:
    """Follows where the camera's picture is, frame by frame (see the module's note)."""

    def __init__(self) -> None:
        self._lit: npt.NDArray[np.bool_] | None = None  # sampled pixels ever lit
        self._picture: Picture | None = None
        self._since_check = 0
        self._done = False  # every frame corner has shown picture: there is no framing

    def update(self, rgb: npt.NDArray[np.uint8]) -> Picture:
        height, width = rgb.shape[:2]
        picture = self._picture
        if picture is not None and (picture.frame_width, picture.frame_height) != (width, height):
            self._lit = self._picture = picture = None
            self._done = False
        if picture is not None:
            if self._done:
                return picture
            self._since_check += 1
            if self._since_check < CHECK_EVERY:
                return picture
        self._since_check = 0
        ys, xs = _samples(height), _samples(width)
        lit = rgb[np.ix_(ys, xs)].max(axis=2) > DARK
        self._lit = lit if self._lit is None else self._lit | lit
        rows = _between_samples(self._lit.any(axis=1), ys, height)
        columns = _between_samples(self._lit.any(axis=0), xs, width)
        # A turned picture's corners may miss the frame's edge rows by a pixel or two, which
        # would read as thin bars: it is looked for first.
        found = turned_picture_of(self._lit, ys, xs, width, height) or picture_of(rows, columns)
        self._done = bool(_frame_corners(self._lit).all())
        self._picture = found
        return found
