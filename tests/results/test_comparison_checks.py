"""``compare`` refuses results of different images, naming the first difference; save/load."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from compare_references import fingerprinted

import segwidget

C = 4
CLASSES = ["road", "car", "person", "sky"]


def _batches(seed: int = 0, n: int = 12, batch: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    rng = np.random.default_rng(seed)
    masks = torch.as_tensor(rng.integers(0, C, (n, 8, 10)))
    masks[:, 0] = 255
    images = torch.as_tensor(rng.random((n, 3, 8, 10)), dtype=torch.float32)
    return [(images[i : i + batch], masks[i : i + batch]) for i in range(0, n, batch)]


def _truth(batches: list) -> np.ndarray:
    return np.concatenate([y.numpy() for _, y in batches])


def _analyze(seed: int, batches: list, classes: list[str] = CLASSES) -> segwidget.Results:
    torch.manual_seed(seed)
    model = torch.nn.Conv2d(3, len(classes), 3, padding=1)
    results = segwidget.analyze(model, batches, classes, progress=False)
    return fingerprinted(results, _truth(batches))


@pytest.fixture(scope="module")
def a() -> segwidget.Results:
    return _analyze(1, _batches())


@pytest.fixture(scope="module")
def b() -> segwidget.Results:
    return _analyze(2, _batches())


def test_same_images_compare(a: segwidget.Results, b: segwidget.Results) -> None:
    comparison = segwidget.compare(a, b, names=["base", "tuned"])
    assert comparison.names == ("base", "tuned") and comparison.n_images == 12


def test_a_renamed_class_is_named(a: segwidget.Results) -> None:
    renamed = _analyze(2, _batches(), ["road", "car", "pedestrian", "sky"])
    with pytest.raises(ValueError, match="class 2 is 'person' in A but 'pedestrian' in B"):
        segwidget.compare(a, renamed)


def test_an_extra_class_is_named(a: segwidget.Results) -> None:
    more = _analyze(2, _batches(), [*CLASSES, "bus"])
    with pytest.raises(ValueError, match=r"\(4 and 5\): class 4 is absent in old but 'bus' in new"):
        segwidget.compare(a, more, names=("old", "new"))


def test_fewer_images_name_the_first_missing_image(a: segwidget.Results) -> None:
    shorter = _analyze(2, _batches()[:2])
    with pytest.raises(ValueError, match=r"A has 12 images but B has 8: image 8 is only in A"):
        segwidget.compare(a, shorter)
    with pytest.raises(ValueError, match=r"image 8 is only in B .*\(A's pass stopped early\)"):
        segwidget.compare(replace(shorter, partial=True), a)


def test_a_different_ignore_index_is_refused(a: segwidget.Results, b: segwidget.Results) -> None:
    message = "A was analysed with ignore_index=255 but B with ignore_index=None"
    with pytest.raises(ValueError, match=message):
        segwidget.compare(a, replace(b, ignore_index=None))


def test_a_shuffled_loader_names_the_first_differing_image(a: segwidget.Results) -> None:
    x, y = (torch.cat(parts) for parts in zip(*_batches(), strict=True))
    order = torch.arange(12)
    order[[3, 9]] = order[[9, 3]]  # images 3 and 9 swap places
    shuffled = [(x[order][i : i + 4], y[order][i : i + 4]) for i in range(0, 12, 4)]
    moved = _analyze(2, shuffled)
    message = r"image 3's truth mask differs between A and B \(A's image 3 is B's image 9\); 2 of"
    with pytest.raises(ValueError, match=message):
        segwidget.compare(a, moved)


def test_another_split_names_the_first_image(a: segwidget.Results) -> None:
    batches = _batches()
    other = [(x, y.clone()) for x, y in batches]
    other[1][1][2, 4, 4] = (other[1][1][2, 4, 4] + 1) % C  # one pixel of image 6
    with pytest.raises(ValueError, match=r"image 6's truth mask differs .*; 1 of the first 12"):
        segwidget.compare(a, _analyze(2, other))


def test_results_without_fingerprints_say_to_rerun(a: segwidget.Results) -> None:
    old = replace(a, fingerprints=None)
    message = r"B has no truth fingerprints .*re-run segwidget\.analyze to compare"
    with pytest.raises(ValueError, match=message):
        segwidget.compare(a, old)


@pytest.mark.parametrize("names", [("A", "A"), ("A",), ("A", ""), "AB", ("A", 2)])
def test_bad_names(a: segwidget.Results, b: segwidget.Results, names: object) -> None:
    with pytest.raises(ValueError, match="names must be two different non-empty strings"):
        segwidget.compare(a, b, names=names)  # type: ignore[arg-type]


def test_not_results(a: segwidget.Results) -> None:
    with pytest.raises(TypeError, match="B must be segwidget Results, not dict"):
        segwidget.compare(a, {})  # type: ignore[arg-type]


def _same(x: segwidget.Results, y: segwidget.Results) -> None:
    for name in ("losses", "fingerprints", "nonfinite_pixels"):
        np.testing.assert_array_equal(getattr(x, name), getattr(y, name))
    for name in ("ptr", "cell", "count"):
        np.testing.assert_array_equal(
            getattr(x.image_confusions, name), getattr(y.image_confusions, name)
        )
    assert (x.classes, x.colors, x.ignore_index) == (y.classes, y.colors, y.ignore_index)
    assert x.images is not None and y.images is not None
    assert x.images.parts == y.images.parts


def test_save_and_load_round_trip(
    a: segwidget.Results, b: segwidget.Results, tmp_path: Path
) -> None:
    comparison = segwidget.compare(a, b, names=("before", "after"))
    path = comparison.save(tmp_path / "runs" / "cmp")
    assert path.is_dir() and sorted(p.name for p in path.iterdir()) == [
        "a.npz", "b.npz", "comparison.json",
    ]  # fmt: skip
    loaded = segwidget.load(path)
    assert isinstance(loaded, segwidget.Comparison) and loaded.names == ("before", "after")
    _same(loaded.a, a)
    _same(loaded.b, b)
    for sel in [(), ("car", "road"), ("person",)]:
        for direction in ("worse", "better"):
            want = comparison.rank(*sel, direction=direction)
            got = loaded.rank(*sel, direction=direction)
            np.testing.assert_array_equal(got.indices, want.indices)
            np.testing.assert_array_equal(got.scores, want.scores)
    assert loaded.most_changed() == comparison.most_changed()
    # saving again over the same directory replaces it
    segwidget.compare(b, a).save(path)
    assert segwidget.load(path).names == ("A", "B")
    # each member is an ordinary results file
    assert isinstance(segwidget.load(path / "a.npz"), segwidget.Results)


def test_loading_a_broken_comparison_says_what_is_wrong(
    a: segwidget.Results, b: segwidget.Results, tmp_path: Path
) -> None:
    path = segwidget.compare(a, b).save(tmp_path / "cmp")
    manifest = path / "comparison.json"
    good = manifest.read_text()

    def broken(text: str, message: str) -> None:
        manifest.write_text(text)
        with pytest.raises(ValueError, match=message):
            segwidget.load(path)

    broken("{not json", "comparison.json is not valid JSON")
    broken(json.dumps({"format": "segwidget-comparison", "version": 9}), "expected .* version 1")
    broken(json.dumps([1, 2]), "expected segwidget-comparison version 1, found")
    broken(good.replace('"B"', '"A"'), "names must be two different non-empty strings")
    broken(" " * 70_000, "too large")
    manifest.write_text(good)
    # a member from other images: the same check as compare, naming the directory
    _analyze(3, _batches(seed=5)).save(path / "b.npz")
    with pytest.raises(ValueError, match=r"cmp: image 0's truth mask differs between A and B"):
        segwidget.load(path)
    manifest.unlink()
    with pytest.raises(ValueError, match="is a directory but not a saved segwidget comparison"):
        segwidget.load(path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="is not a directory"):
        segwidget.compare(a, b).save(tmp_path / "file")
