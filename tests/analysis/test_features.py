"""``analyze(..., embed=)``: model features from the pass's own forward (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import segwidget
from segwidget.analysis.adapters import InputError
from segwidget.analysis.shards import merge


class Net(nn.Module):
    """A backbone whose width is chosen, and a head of 3 classes."""

    def __init__(self, width: int = 6) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU())
        self.head = nn.Conv2d(width, 3, 1)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.head(self.backbone(x))


def _batches(n_batches: int = 3, b: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    return [
        (torch.randn(b, 3, 8, 10, generator=g), torch.randint(0, 3, (b, 8, 10), generator=g))
        for _ in range(n_batches)
    ]


def _hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_submodule_features_are_its_pooled_output_from_the_same_forward() -> None:
    torch.manual_seed(0)
    model, data = Net(), _batches()
    r = segwidget.analyze(model, data, progress=False, embed="backbone")
    assert model.calls == len(data)  # no second forward
    assert _hooks(model) == 0  # the hook is removed
    with torch.no_grad():
        want = torch.cat([model.backbone(x).mean(dim=(2, 3)) for x, _ in data]).numpy()
    assert r.features is not None and r.features.dtype == np.float16
    np.testing.assert_array_equal(r.features, want.astype(np.float16))
    assert r.embedding().dtype == np.float16  # kind=None: features


def test_embed_fn_gets_the_images_and_returns_b_by_d() -> None:
    data = _batches()
    r = segwidget.analyze(Net(), data, progress=False, embed=lambda x: x[:, :, 0, :2].flatten(1))
    want = torch.cat([x[:, :, 0, :2].flatten(1) for x, _ in data]).numpy().astype(np.float16)
    np.testing.assert_array_equal(r.features, want)


def test_too_wide_a_layer_is_refused_naming_the_width() -> None:
    model = Net(width=2049)
    with pytest.raises(InputError, match=r"batch 0: .*2049 features.*smaller layer.*embed=fn"):
        segwidget.analyze(model, _batches(1, 1), progress=False, embed="backbone")
    assert _hooks(model) == 0


def test_bad_embed_arguments_are_named() -> None:
    with pytest.raises(InputError, match=r"no submodule.*did you mean \['backbone', "):
        segwidget.analyze(Net(), _batches(), progress=False, embed="backbon")
    with pytest.raises(InputError, match=r"embed=fn must return a \(B, D\) tensor, got \(4,\)"):
        segwidget.analyze(Net(), _batches(), progress=False, embed=lambda x: x.sum((1, 2, 3)))
    with pytest.raises(InputError, match=r"not an nn\.Module; pass embed=fn"):
        segwidget.analyze(lambda x: x, _batches(), progress=False, embed="conv")
    with pytest.raises(InputError, match=r"batch 0, images \[0, 1, 2, 3\].*float16"):
        segwidget.analyze(Net(), _batches(), progress=False, embed=lambda x: x[:, 0, 0] * 1e6)


def test_a_failed_pass_keeps_the_features_of_its_completed_batches() -> None:
    model, data = Net(), _batches()
    data[2] = (data[2][0], torch.full((4, 8, 10), 7))  # not a class
    with pytest.raises(InputError) as caught:
        segwidget.analyze(model, data, progress=False, embed="backbone")
    done = caught.value.results
    assert done.n_images == 8 and done.features.shape == (8, 6)
    assert _hooks(model) == 0


def test_shards_merge_their_features_in_dataset_order() -> None:
    r = segwidget.analyze(Net(), _batches(), progress=False, embed="backbone")
    a = r.subset([0, 2, 4, 6, 8, 10])
    b = r.subset([1, 3, 5, 7, 9, 11])
    a.dataset_indices = np.array([0, 2, 4, 6, 8, 10])
    b.dataset_indices = np.array([1, 3, 5, 7, 9, 11])
    merged = merge([a, b])
    np.testing.assert_array_equal(merged.features, r.features)
