"""Does the failure map find something? On the shipped demo (``segwidget.demo``, metadata
column ``kerb``): for the scenes without kerb stones, the share of their 10 nearest
neighbours (``Results.similar(i, 10)``, exact, per embedding) that are kerb-less too,
against the base rate (the share of kerb-less scenes among the other images).

Run: ``python bench/fmap_demo.py [--embed bottom]``. Never asserts.
"""

from __future__ import annotations

import argparse

import numpy as np

import segwidget
from segwidget import demo

K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", default="bottom", help="the demo U-Net's submodule")
    args = parser.parse_args()
    results = segwidget.analyze(
        demo.load_model(), demo.valid_loader(), demo.CLASSES,
        metadata=demo.valid_metadata(), progress=False, embed=args.embed,
    )  # fmt: skip
    kerb = results.metadata["kerb"]
    values, counts = np.unique(kerb, return_counts=True)
    print(f"kerb values: {dict(zip(values.tolist(), counts.tolist(), strict=True))}")
    without = np.flatnonzero(~kerb.astype(bool)) if kerb.dtype.kind == "b" else None
    if without is None:
        raise SystemExit(f"kerb is {kerb.dtype}; expected booleans")
    n = results.n_images
    base = (without.size - 1) / (n - 1)  # a kerb-less scene's chance that another one is too
    print(f"{without.size} of {n} scenes have no kerb; base rate {base:.3f}")
    for kind in ("errors", "features"):
        shares = [np.isin(results.similar(int(i), K, kind=kind).indices, without).mean()
                  for i in without]  # fmt: skip
        share = float(np.mean(shares))
        print(f"{kind:<9} share of the {K} nearest that are kerb-less too: {share:.3f} "
              f"({share / base:.2f}x the base rate)")  # fmt: skip


if __name__ == "__main__":
    main()
