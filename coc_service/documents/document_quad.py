"""Find the document in a photo (a card or a sheet lying on a table) and flatten it.

The outline of a document is a convex quadrilateral with strong edges along its whole
perimeter. Candidates come from two independent cues, edges and brightness, and the one whose
sides are best supported by edges wins; when nothing convincing is found the whole image is kept,
which is always safe (the readers then see some background).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from coc_service.documents.text_layout import Blobs, find_blobs, subsample

MIN_AREA_SHARE = 0.12  # smaller outlines are cards on a scanned sheet: keep the whole sheet
FULL_FRAME_SHARE = 0.93  # larger outlines mean the document already fills the image
MIN_EDGE_SUPPORT = 0.55
ANALYSIS_SIDE = 640


@dataclass(frozen=True)
class DocumentQuad:
    """A document outline in the coordinates of the image it was found in."""

    corners: np.ndarray  # 4 x 2 float32: top-left, top-right, bottom-right, bottom-left
    area_share: float  # share of the image the document covers
    edge_support: float  # share of the outline lying on image edges (0..1)
    touches_frame: bool  # part of the outline runs along the image border: cut off?


def search_scale(shape: tuple[int, ...]) -> float:
    """Return the factor that reduces an image of this shape to the size the search works at."""
    return min(1.0, ANALYSIS_SIDE / max(shape[:2]))


def find_document(small: np.ndarray, scale: float) -> DocumentQuad | None:
    """Return the outline of the document shown in a grey image, or None.

    `small` is the image area-reduced by `scale` (search_scale); the outline is returned in
    the image's own pixels. The caller reduces it because it already keeps reduced copies.
    """
    small = cv2.GaussianBlur(small, (5, 5), 0)
    strict, sensitive = _edges(small)
    support_map = cv2.dilate(sensitive, np.ones((5, 5), np.uint8))
    best: DocumentQuad | None = None
    best_score = 0.0
    text: Blobs | None = None
    for corners in _candidates(small, [strict, sensitive]):
        quad = _describe(corners, small, support_map)
        if quad is None:
            continue
        text = text if text is not None else find_blobs(small)
        if not _holds_the_text(corners, text):
            continue
        score = quad.edge_support * (0.5 + quad.area_share)
        if score > best_score:
            best, best_score = quad, score
    if best is None:
        return None
    return DocumentQuad(
        corners=(best.corners / scale).astype(np.float32),
        area_share=best.area_share,
        edge_support=best.edge_support,
        touches_frame=best.touches_frame,
    )


def _holds_the_text(corners: np.ndarray, text: Blobs) -> bool:
    """Return True when the outline holds nearly all the print: the portrait on a card or a
    framed table on a certificate is a rectangle too, but the document holds all the text."""
    if len(text) < 10:
        return True  # no text to judge by (a very small or blurred photo): trust the edges
    contour = corners.reshape(-1, 1, 2)
    inside = sum(
        cv2.pointPolygonTest(contour, (float(x), float(y)), False) >= 0
        for x, y in zip(text.x, text.y, strict=True)
    )
    return inside >= 0.85 * len(text)


def _edges(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a strict and a sensitive edge map, with thresholds set from the image's own
    gradients (a dim photo has weak edges everywhere, a scan strong ones)."""
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = subsample(np.abs(gx) + np.abs(gy), 40_000)  # Canny's own L1 measure
    levels = np.percentile(magnitude, (88, 75))
    maps = []
    for level, floor in zip(levels, (40.0, 20.0), strict=True):
        high = max(floor, float(level))
        edges = cv2.Canny(small, 0.4 * high, high)
        maps.append(cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)))
    return maps[0], maps[1]


def _candidates(small: np.ndarray, edge_maps: list[np.ndarray]) -> list[np.ndarray]:
    """Return candidate outlines (4 x 2 float32) from edges and from brightness."""
    masks = [cv2.dilate(edges, np.ones((3, 3), np.uint8)) for edges in edge_maps]
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    for mask in (bright, 255 - bright):
        masks.append(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel))
    image_area = float(small.shape[0] * small.shape[1])
    found: list[np.ndarray] = []
    for mask in masks:
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        contours = sorted(contours, key=cv2.contourArea, reverse=True)[:6]
        for contour in contours:
            hull = cv2.convexHull(contour)
            hull_area = cv2.contourArea(hull)
            if hull_area < MIN_AREA_SHARE * image_area:
                break
            corners = _four_corners(hull, hull_area)
            if corners is not None:
                found.append(corners)
    return found


def _four_corners(hull: np.ndarray, hull_area: float) -> np.ndarray | None:
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.02, 0.04):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return order_corners(approx.reshape(4, 2).astype(np.float32))
    # Rounded corners (ID cards) defeat the polygon fit; a rectangle hugging the hull does not.
    rect = cv2.minAreaRect(hull)
    rect_area = rect[1][0] * rect[1][1]
    if rect_area > 0 and hull_area / rect_area > 0.92:
        return order_corners(cv2.boxPoints(rect).astype(np.float32))
    return None


def order_corners(points: np.ndarray) -> np.ndarray:
    """Return four points ordered top-left, top-right, bottom-right, bottom-left."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]  # clockwise on screen, starting near the left
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0).astype(np.float32)


def _describe(
    corners: np.ndarray, small: np.ndarray, support_map: np.ndarray
) -> DocumentQuad | None:
    height, width = small.shape[:2]
    area_share = float(cv2.contourArea(corners)) / float(height * width)
    if not MIN_AREA_SHARE <= area_share <= FULL_FRAME_SHARE:
        return None
    if not _plausible_angles(corners):
        return None
    margin = 3.0
    supported = total = 0
    touches = False
    centre = corners.mean(axis=0)
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        on_border = _along_border(a, b, width, height, margin)
        touches |= on_border
        length = int(np.hypot(*(b - a)))
        if on_border or length < 2:
            continue  # a side on the frame is not evidence of a document edge
        if not _steps_evenly(small, a, b, centre):
            return None
        steps = np.linspace(0.0, 1.0, length)
        xs = np.clip((a[0] + (b[0] - a[0]) * steps).astype(int), 0, width - 1)
        ys = np.clip((a[1] + (b[1] - a[1]) * steps).astype(int), 0, height - 1)
        supported += int(np.count_nonzero(support_map[ys, xs]))
        total += length
    if total == 0:
        return None
    support = supported / total
    if support < MIN_EDGE_SUPPORT:
        return None
    return DocumentQuad(
        corners=corners,
        area_share=area_share,
        edge_support=support,
        # A side running along the frame means the picture cuts the document; a corner that
        # merely reaches the edge does not.
        touches_frame=touches,
    )


def _steps_evenly(small: np.ndarray, a: np.ndarray, b: np.ndarray, centre: np.ndarray) -> bool:
    """Return True when brightness steps the same way all along the side a-b.

    A document's edge separates paper from table along its whole length; a line that merely
    links text edges or the border of a shadow changes sides or fades out.
    """
    direction = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
    normal = np.array([-direction[1], direction[0]], dtype=np.float32)
    if np.dot(centre - (a + b) / 2, normal) < 0:
        normal = -normal  # point inwards
    steps = np.linspace(0.08, 0.92, 40)[:, None]
    points = a[None, :] + (b - a)[None, :] * steps
    height, width = small.shape[:2]

    def sample(offset: float) -> np.ndarray:
        spots = points + normal[None, :] * offset
        xs = np.clip(spots[:, 0].round().astype(int), 0, width - 1)
        ys = np.clip(spots[:, 1].round().astype(int), 0, height - 1)
        return small[ys, xs].astype(np.float32)

    difference = sample(4.0) - sample(-4.0)
    typical = float(np.median(difference))
    if abs(typical) < 10.0:
        return False
    agreeing = np.count_nonzero(np.sign(difference) == np.sign(typical))
    return agreeing >= 0.8 * difference.size


def _along_border(a: np.ndarray, b: np.ndarray, width: int, height: int, margin: float) -> bool:
    return bool(
        (a[0] <= margin and b[0] <= margin)
        or (a[1] <= margin and b[1] <= margin)
        or (a[0] >= width - 1 - margin and b[0] >= width - 1 - margin)
        or (a[1] >= height - 1 - margin and b[1] >= height - 1 - margin)
    )


def _plausible_angles(corners: np.ndarray) -> bool:
    """Return True when every corner is within 35 degrees of square (mild perspective)."""
    for i in range(4):
        prev, here, nxt = corners[i - 1], corners[i], corners[(i + 1) % 4]
        u, v = prev - here, nxt - here
        cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(cosine) > 0.57:  # cos(55 degrees)
            return False
    return True


def flattening_transform(quad: DocumentQuad) -> tuple[np.ndarray, tuple[int, int]]:
    """Return the 3 x 3 perspective matrix mapping the quad onto an upright rectangle, and
    that rectangle's (width, height) in source pixels."""
    tl, tr, br, bl = quad.corners
    width = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad.corners.astype(np.float32), target)
    return matrix, (max(1, round(width)), max(1, round(height)))
