"""A synthetic street-scene segmentation dataset, generated on the fly with no download.

Every sample is a pure function of ``(seed, split, index)``: it draws from its own
``numpy.random.Generator`` and touches no global random state, so any sample can be
regenerated alone, in any order, in any process.

The scenes are built to give a segmentation model realistic trouble:

* road and sidewalk share near-identical grey textures (a faint kerb or paving pattern is
  the only cue, and a cast shadow can hide even that);
* most signs are small, and facades carry shop boards and posters in the same colours;
* poles and pedestrians are thin and far objects are tiny, while a few scenes also get a
  pedestrian near the camera, a pole in the foreground or a sign board (``closeups``), so
  that those classes have objects of every size;
* cars, pedestrians and trees occlude the background, and their outlines carry a thin band
  of ``IGNORE_INDEX`` ("void") pixels, as in Cityscapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch.utils.data import Dataset

from .canvas import Array, Canvas, ellipse, grid, outline, smooth_noise
from .closeups import NEAR_KINDS, near_pedestrian, near_pole, sign_board

CLASSES: list[str] = [
    "sky",
    "building",
    "road",
    "sidewalk",
    "tree",
    "car",
    "pedestrian",
    "sign",
    "pole",
]
SKY, BUILDING, ROAD, SIDEWALK, TREE, CAR, PEDESTRIAN, SIGN, POLE = range(len(CLASSES))
IGNORE_INDEX: int = 255
MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

_SPLITS = {"train": 0, "valid": 1}
_DEFAULT_N = {"train": 4000, "valid": 160}
# Sign colours, reused for shop boards on facades so that colour alone cannot find a sign.
_SIGN_COLOURS = np.array(
    [[0.80, 0.10, 0.10], [0.10, 0.25, 0.75], [0.95, 0.80, 0.10], [0.92, 0.92, 0.92]],
    dtype=np.float32,
)


def render_scene(seed: int, split: int, index: int, size: tuple[int, int]) -> tuple[Array, NDArray]:
    """Render one scene.

    Parameters
    ----------
    seed, split, index
        Together they seed the scene's own random generator.
    size
        ``(height, width)`` in pixels.

    Returns
    -------
    image : numpy.ndarray
        float32 ``(H, W, 3)`` RGB in [0, 1].
    mask : numpy.ndarray
        uint8 ``(H, W)`` class indices, ``IGNORE_INDEX`` on void pixels.
    """
    image, mask, _ = _render(seed, split, index, size)
    return image, mask


def _render(
    seed: int, split: int, index: int, size: tuple[int, int]
) -> tuple[Array, NDArray, dict[str, Any]]:
    """``render_scene`` and the parameters it drew (``demo.metadata.SCENE_PARAMETERS``)."""
    rng = np.random.default_rng([seed, split, index])
    h, w = size
    yy, xx = grid(h, w)
    cv = Canvas(h, w)
    noise = smooth_noise(rng, h, w, 8)  # shared texture field, scaled per surface
    fine = rng.standard_normal((h, w)).astype(np.float32)

    horizon = h * rng.uniform(0.36, 0.5)
    scene: dict[str, Any] = {"horizon": horizon / h}
    vx = w * rng.uniform(0.3, 0.7)  # vanishing point (vx, horizon)
    below = np.clip((yy - horizon) / (h - horizon), 0.0, None)  # 0 at horizon, 1 at bottom

    # Sky: blue gradient or overcast grey, with soft clouds.
    scene["sky"] = "clear" if rng.random() < 0.7 else "overcast"
    if scene["sky"] == "clear":
        top, low = np.array([0.25, 0.45, 0.85]), np.array([0.65, 0.78, 0.95])
    else:
        grey = rng.uniform(0.55, 0.8)
        top, low = np.full(3, grey - 0.1), np.full(3, grey + 0.05)
    t = np.clip(yy / max(horizon, 1.0), 0, 1)[..., None]
    sky = top * (1 - t) + low * t + 0.12 * np.clip(noise, 0, None)[..., None]
    cv.paint(np.ones((h, w), dtype=np.bool_), SKY, sky.astype(np.float32))

    # Buildings: a far skyline plus left and right facades converging to the vanishing point.
    block = rng.integers(5, 14)
    heights = rng.uniform(0.03, 0.3, w // block + 2) * h
    skyline_top = horizon - heights[(xx[0] // block).astype(np.int64)][None, :]
    side = np.where(xx < vx, (vx - xx) / max(vx, 1.0), (xx - vx) / max(w - vx, 1.0))
    n_seg = rng.integers(2, 5)
    edges = np.sort(rng.uniform(0, 1, n_seg - 1))
    seg = np.searchsorted(edges, side) + np.where(xx < vx, 0, n_seg)
    rise = rng.uniform(0.4, 1.3, 2 * n_seg) * horizon  # facade height at the image edge
    facade_top = horizon - rise[seg] * side
    base_l, base_r = rng.uniform(0.25, 0.7, 2) * (h - horizon)  # facade foot at the image edge
    facade_bottom = horizon + np.where(xx < vx, base_l, base_r) * side
    building = (yy >= np.minimum(skyline_top, facade_top)) & (
        yy < np.maximum(facade_bottom, horizon)
    )
    hue = rng.uniform(0.3, 0.75, (2 * n_seg + 1, 3)).astype(np.float32)
    hue[:, 2] *= rng.uniform(0.75, 1.0)  # warm brick and stone rather than blue
    seg_of = np.where(yy < facade_top, 2 * n_seg, seg)  # the skyline gets its own colour
    facade = hue[seg_of] * (1 + 0.08 * noise[..., None])
    # Window grid in facade coordinates: distance along the street ~ 1/side, height ~ y/side.
    near = np.maximum(side, 0.05)
    wu = rng.uniform(4, 7) / near
    wv = (yy - horizon) / near / rng.uniform(5, 9)
    windows = ((wu % 1.0) < 0.45) & ((wv % 1.0) < 0.5) & (seg_of < 2 * n_seg)
    facade[windows] *= rng.uniform(0.35, 0.6)
    cv.paint(building, BUILDING, facade)
    # Shop boards and posters in sign colours: building pixels that look like signs.
    scene["posters"] = int(rng.integers(0, 4))
    for _ in range(scene["posters"]):
        x = rng.uniform(0, w)
        s = abs(x - vx) / max(vx, w - vx)
        y = horizon - rng.uniform(0.0, 0.5) * s * horizon
        bw, bh = 3 + s * rng.uniform(6, 16), 2 + s * rng.uniform(3, 8)
        box = (np.abs(xx - x) < bw / 2) & (np.abs(yy - y) < bh / 2) & building
        cv.paint(box, BUILDING, _SIGN_COLOURS[rng.integers(len(_SIGN_COLOURS))])

    # Road and sidewalk: the same grey, told apart by a faint kerb, paving or shade at most.
    road_bl, road_br = w * rng.uniform(-0.35, 0.2), w * rng.uniform(0.8, 1.35)
    left_x, right_x = vx - 2 + (road_bl - vx) * below, vx + 2 + (road_br - vx) * below
    ground = (yy >= horizon) & ~building
    road = ground & (xx >= left_x) & (xx <= right_x)
    grey = rng.uniform(0.3, 0.55)
    scene["road_grey"] = grey
    tex = 0.05 * noise + 0.035 * fine
    cv.paint(road, ROAD, np.repeat((grey + tex)[..., None], 3, axis=2) * [1.0, 1.0, 1.02])
    scene["centre_line"] = rng.random() < 0.6
    if scene["centre_line"]:  # dashed
        cx = vx + (w * rng.uniform(0.4, 0.6) - vx) * below
        dash = (np.abs(xx - cx) < 0.3 + 1.2 * below) & ((np.log1p(8 * below) * 6) % 1.0 < 0.5)
        cv.paint(dash & road, ROAD, np.array([0.85, 0.85, 0.8]))
    walk_grey = grey + rng.uniform(-0.03, 0.08)
    scene["sidewalk_contrast"] = walk_grey - grey
    walk = np.repeat((walk_grey + tex)[..., None], 3, axis=2)
    scene["paving"] = rng.random() < 0.5
    if scene["paving"]:  # joints
        pu = np.abs(xx - vx) / np.maximum(below, 0.05) / 12
        joints = ((pu % 1.0) < 0.12) | ((np.log1p(10 * below) * 5) % 1.0 < 0.12)
        walk[joints] *= 0.93
    cv.paint(ground & ~road, SIDEWALK, walk)
    scene["kerb"] = rng.random() < 0.5
    if scene["kerb"]:  # kerb stones, labelled sidewalk
        kerb = ground & ((np.abs(xx - left_x) < 0.5 + below) | (np.abs(xx - right_x) < 0.5 + below))
        cv.paint(kerb, SIDEWALK, np.full(3, min(walk_grey + 0.12, 1.0)))

    # Objects, painted far to near so that nearer ones occlude farther ones.
    objects: list[tuple[str, float]] = []  # (kind, row of the object's foot)
    scene["cars"] = int(rng.integers(0, 4))
    for _ in range(scene["cars"]):
        objects.append(("car", rng.uniform(horizon + 3, h + 6)))
    scene["pedestrians"] = int(rng.integers(1, 7))
    for _ in range(scene["pedestrians"]):
        objects.append(("pedestrian", rng.uniform(horizon + 2, h + 4)))
    scene["trees"] = int(rng.integers(0, 3))
    for _ in range(scene["trees"]):
        objects.append(("tree", rng.uniform(horizon + 2, h)))
    scene["poles"] = int(rng.integers(1, 5))
    for _ in range(scene["poles"]):
        objects.append(("pole", rng.uniform(horizon + 2, h)))
    scene["signs"], scene["near"] = 0, 0
    for kind, chance in NEAR_KINDS:  # close-ups: a sign board, a near pole, a near pedestrian
        if rng.random() < chance:
            scene["near"] += 1
            scene["pedestrians" if kind == "near_pedestrian" else "poles"] += 1
            scene["signs"] += int(kind == "board")
            close = kind.startswith("near_")  # painted last, over everything
            row = 2 * h + scene["near"] if close else h - (h - horizon) * rng.uniform(0, 0.7)
            objects.append((kind, row))
    objects.sort(key=lambda o: o[1])
    for kind, yb in objects:
        if kind == "near_pole":
            scene["signs"] += int(near_pole(cv, rng, yy, xx, POLE, SIGN, _SIGN_COLOURS))
            continue
        if kind == "near_pedestrian":
            person = near_pedestrian(cv, rng, yy, xx, noise, PEDESTRIAN)
            cv.void |= outline(person & (cv.label == PEDESTRIAN))
            continue
        s = (yb - horizon) / (h - horizon)  # perspective scale: 0 at horizon, 1 at bottom
        road_l, road_r = vx - 2 + (road_bl - vx) * s, vx + 2 + (road_br - vx) * s
        # Sidewalk at this row runs from the facade foot (or the image edge) to the road.
        walk_l = max(vx - vx * s * (h - horizon) / base_l, -2.0)
        walk_r = min(vx + (w - vx) * s * (h - horizon) / base_r, w + 2.0)
        if kind == "car" or (kind == "pedestrian" and rng.random() < 0.25):
            xb = rng.uniform(road_l, road_r)
        elif rng.random() < 0.5:
            xb = rng.uniform(min(walk_l, road_l), road_l)
        else:
            xb = rng.uniform(road_r, max(walk_r, road_r))
        obj: NDArray[np.bool_] | None = None
        cls = {"car": CAR, "pedestrian": PEDESTRIAN, "tree": TREE, "pole": POLE}.get(kind, SIGN)
        if kind == "car":
            cw = 3 + s * rng.uniform(26, 40)
            ch = cw * rng.uniform(0.45, 0.6)
            colour = rng.choice([_SIGN_COLOURS[0], [0.1, 0.1, 0.12], [0.85] * 3, [0.2, 0.3, 0.6]])
            colour = np.asarray(colour) * rng.uniform(0.7, 1.1)
            car = cv.paint_box(yb - ch * 0.6, yb, xb - cw / 2, xb + cw / 2, CAR, colour)
            car |= cv.paint_box(
                yb - ch, yb - ch * 0.55, xb - cw * 0.35, xb + cw * 0.35, CAR, colour
            )
            cv.paint_box(yb - ch * 0.95, yb - ch * 0.6, xb - cw * 0.3, xb + cw * 0.3, CAR, 0.2)
            for wx in (xb - cw * 0.3, xb + cw * 0.3):  # wheels
                cv.paint_box(yb - ch * 0.2, yb, wx - cw * 0.1, wx + cw * 0.1, CAR, 0.05)
            obj = car
        elif kind == "pedestrian":
            ph = 5 + s * rng.uniform(26, 40)
            pw = ph * rng.uniform(0.22, 0.32)
            cloth = rng.uniform(0.05, 0.8, 3)
            body = ellipse(yy, xx, yb - ph * 0.45, xb, ph * 0.42, pw / 2)
            head = ellipse(yy, xx, yb - ph * 0.9, xb, ph * 0.1, pw * 0.3)
            cv.paint(body, PEDESTRIAN, cloth * (1 + 0.1 * noise[..., None]))
            cv.paint(head, PEDESTRIAN, np.array([0.8, 0.6, 0.5]) * rng.uniform(0.5, 1.1))
            obj = body | head
        elif kind == "tree":
            th, r = 3 + s * rng.uniform(10, 22), 2 + s * rng.uniform(8, 18)
            trunk = cv.paint_box(yb - th, yb, xb - 0.5 - s, xb + 0.5 + s, TREE, [0.3, 0.2, 0.1])
            cy = yb - th - r * 0.7
            ang = np.arctan2(yy - cy, xx - xb)
            wobble = 1 + 0.2 * np.sin(ang * rng.integers(3, 7) + rng.uniform(0, 6))
            crown = np.hypot(yy - cy, xx - xb) <= r * wobble
            leaves = np.array([0.15, 0.45, 0.12]) * rng.uniform(0.6, 1.3)
            cv.paint(crown, TREE, leaves * (1 + 0.3 * fine[..., None] + 0.2 * noise[..., None]))
            obj = trunk | crown
        elif kind == "board":
            sign_board(cv, rng, yy, xx, (yb, xb, s), POLE, SIGN, _SIGN_COLOURS)
        else:
            ph, pw = 6 + s * rng.uniform(30, 50), 1.6 + s * 3.0
            cv.paint_box(yb - ph, yb, xb - pw / 2, xb + pw / 2, POLE, rng.uniform(0.1, 0.3))
            if rng.random() < 0.75:  # most poles carry a sign
                scene["signs"] += 1
                sw = 3 + s * rng.uniform(6, 12)
                colour = _SIGN_COLOURS[rng.integers(len(_SIGN_COLOURS))]
                if rng.random() < 0.5:
                    sign = ellipse(yy, xx, yb - ph, xb, sw / 2, sw / 2)
                    cv.paint(sign, SIGN, colour)
                else:
                    cv.paint_box(yb - ph - sw / 2, yb - ph + sw / 2, xb - sw / 2, xb + sw / 2,
                                 SIGN, colour)  # fmt: skip
        # Annotators leave a thin unlabelled border around larger visible objects.
        if obj is not None:
            visible = obj & (cv.label == cls)
            if visible.sum() > 40:
                cv.void |= outline(visible)

    # Lighting: exposure, colour cast, a cast shadow, sensor noise and a slight blur.
    img = cv.image
    scene["shadow"], scene["shadow_share"] = rng.random() < 0.5, 0.0
    if scene["shadow"]:
        a = rng.uniform(0, 2 * np.pi)
        shade = (np.cos(a) * (xx - w * rng.uniform(0.2, 0.8)) + np.sin(a) * (yy - h * 0.7)) > 0
        shade &= np.isin(cv.label, (ROAD, SIDEWALK, CAR, PEDESTRIAN))  # cast on the street only
        img[shade] *= rng.uniform(0.5, 0.8)
        scene["shadow_share"] = float(shade.mean())
    scene["exposure"] = rng.uniform(0.7, 1.25)
    img *= scene["exposure"] * rng.uniform(0.9, 1.1, 3).astype(np.float32)
    scene["noise"] = rng.uniform(0.01, 0.04)
    img += scene["noise"] * rng.standard_normal(img.shape).astype(np.float32)
    blurred = img.copy()
    blurred[1:-1, 1:-1] = (
        img[1:-1, 1:-1] * 4 + img[:-2, 1:-1] + img[2:, 1:-1] + img[1:-1, :-2] + img[1:-1, 2:]
    ) / 8
    label = cv.label
    label[cv.void] = IGNORE_INDEX
    return np.clip(blurred, 0.0, 1.0).astype(np.float32), label, scene


class StreetScenes(Dataset):
    """Synthetic street scenes for semantic segmentation, generated deterministically.

    Parameters
    ----------
    split
        ``"train"`` or ``"valid"``; the two draw from different random streams.
    n
        Number of images; defaults to 4000 for train and 160 for valid.
    seed
        Base seed; sample ``i`` is a function of ``(seed, split, i)`` only.
    size
        ``(height, width)`` of every image.

    Notes
    -----
    ``dataset[i]`` is ``(image, mask)``: ``image`` a float32 tensor ``(3, H, W)``
    normalised with ImageNet ``MEAN``/``STD``, ``mask`` an int64 tensor ``(H, W)`` of
    class indices into ``CLASSES``, with ``IGNORE_INDEX`` (255) on void pixels.
    """

    def __init__(
        self,
        split: str = "valid",
        n: int | None = None,
        seed: int = 0,
        size: tuple[int, int] = (96, 128),
    ) -> None:
        if split not in _SPLITS:
            raise ValueError(f"split must be 'train' or 'valid', not {split!r}")
        self.split, self.seed, self.size = split, seed, (int(size[0]), int(size[1]))
        self.n = _DEFAULT_N[split] if n is None else int(n)
        self.classes = list(CLASSES)

    def __len__(self) -> int:
        return self.n

    def raw(self, index: int) -> tuple[Array, NDArray[np.uint8]]:
        """Return sample ``index`` before normalisation: RGB in [0, 1] ``(H, W, 3)``, uint8 mask."""
        if not -self.n <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} images")
        return render_scene(self.seed, _SPLITS[self.split], index % self.n, self.size)

    def metadata(self) -> dict[str, NDArray[Any]]:
        """Per image, the parameters its scene was drawn with (``SCENE_PARAMETERS``).

        One 1-D column per parameter, aligned with the dataset's order; ready for
        ``analyze(..., metadata=...)``. Renders every scene once (a few ms each).
        """
        from .metadata import scene_metadata

        return scene_metadata(self.seed, _SPLITS[self.split], self.n, self.size)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, mask = self.raw(index)
        mean, std = np.asarray(MEAN, np.float32), np.asarray(STD, np.float32)
        image = ((image - mean) / std).transpose(2, 0, 1)
        return torch.from_numpy(np.ascontiguousarray(image)), torch.from_numpy(
            mask.astype(np.int64)
        )
