"""What the camera saw inside a video frame: black bars round it are not part of it.

Edited videos often frame the camera's picture in black bars: a landscape recording put in a
portrait frame (bars above and below), a portrait one in a landscape frame (bars at the
sides). The pose model reads a limb near the edge of the picture differently depending on
what lies beyond that edge: past the frame's own edge it is shown the edge pixels repeated,
past the edge of a picture framed in bars it sees black. On a bird dog whose raised foot
leaves the picture, the same recording with bars above and below lost every rep. So the bars
are cut off before posing, and the landmarks are put back into the whole frame afterwards.

A bar is a run of whole rows (or columns) at the frame's edge that have never been brighter
than nearly black in any frame looked at so far (every CHECK_EVERY-th): a person's dark
clothes at the edge light up as soon as they move or the row reaches past them; an editor's
black never does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DARK = 24  # 0..255: bar pixels after video compression stay at or below this
MIN_PICTURE = 0.25  # bars never leave less than this share of the frame's width or height
# Where a bar meets the picture, scaling and colour subsampling blend a pixel or two into a
# dark grey line; the model would see it repeated past the edge, so it goes too.
EDGE_TRIM = 4  # pixels
SAMPLE_STEP = 2  # rows and columns are looked at every second pixel (the last one too)
CHECK_EVERY = 8  # frames: bars do not move, so they are looked for again only this often


@dataclass(frozen=True)
class Picture:
    """The picture's box inside the frame, in pixels: columns x0..x1, rows y0..y1 (ends
    excluded)."""

    x0: int
    y0: int
    x1: int
    y1: int
    frame_width: int
    frame_height: int

    @classmethod
    def whole(cls, width: int, height: int) -> Picture:
        return cls(0, 0, width, height, width, height)

    @property
    def is_whole(self) -> bool:
        return (self.x0, self.y0, self.x1, self.y1) == (0, 0, self.frame_width, self.frame_height)

    def cut(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        return rgb[self.y0 : self.y1, self.x0 : self.x1]

    def to_frame(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Landmarks normalised to the picture (x, y, z as the pose model gives them) turned
        into landmarks normalised to the whole frame. z shares x's scale."""
        width = self.x1 - self.x0
        height = self.y1 - self.y0
        out = points.copy()
        out[:, 0] = (points[:, 0] * width + self.x0) / self.frame_width
        out[:, 1] = (points[:, 1] * height + self.y0) / self.frame_height
        out[:, 2] = points[:, 2] * width / self.frame_width
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
        self._rows: npt.NDArray[np.bool_] | None = None  # rows ever lit
        self._columns: npt.NDArray[np.bool_] | None = None  # columns ever lit
        self._picture: Picture | None = None
        self._since_check = 0

    def update(self, rgb: npt.NDArray[np.uint8]) -> Picture:
        height, width = rgb.shape[:2]
        picture = self._picture
        if picture is not None and (picture.frame_width, picture.frame_height) != (width, height):
            self._rows = self._columns = self._picture = picture = None
        if picture is not None:
            if self._rows is None:
                return picture  # every edge row and column has shown picture: no bars
            self._since_check += 1
            if self._since_check < CHECK_EVERY:
                return picture
        self._since_check = 0
        ys, xs = _samples(height), _samples(width)
        lit = rgb[np.ix_(ys, xs)].max(axis=2) > DARK
        rows = _between_samples(lit.any(axis=1), ys, height)
        columns = _between_samples(lit.any(axis=0), xs, width)
        if self._rows is None or self._columns is None:
            self._rows, self._columns = rows, columns
        else:
            self._rows |= rows
            self._columns |= columns
        found = picture_of(self._rows, self._columns)
        if bool(self._rows[[0, -1]].all() and self._columns[[0, -1]].all()):
            # Every edge row and column has shown picture: no bar can be found any more.
            self._rows = self._columns = None
        self._picture = found
        return found
