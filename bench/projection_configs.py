"""openTSNE configurations for the failure map, compared in one run (``bench_projection.py
--configs``): segwidget's against openTSNE's defaults as segwidget used them before, and each
change alone, on the same inputs; then ``Results.map()`` the first time in fresh processes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_projection import SEED, data, trustworthiness
from numpy.typing import NDArray

from segwidget.results import projection as chosen
from segwidget.results.embedding import Embedding, ErrorProfile

HERE = Path(__file__).resolve().parent
BROWSER_TESTS = HERE.parent / "tests" / "browser"  # sw_e2e.ade_like: ADE20K-like results


def ade_profiles(n: int) -> ErrorProfile:
    """The error profiles of ``n`` ADE20K-like images (150 classes)."""
    sys.path.insert(0, str(BROWSER_TESTS))
    from sw_e2e import ade_like

    return ade_like(n, side=16).error_profile()


def before(vectors: Embedding) -> NDArray[np.float32]:
    """segwidget's projection before this configuration: dense unit rows, an SVD to 50 dims,
    then openTSNE's defaults (Annoy neighbours, ``ints_in_interval=1``, 250 + 500 iterations)."""
    from openTSNE import TSNE

    x = chosen.unit_rows(vectors)
    x = x.toarray() if hasattr(x, "toarray") else x
    n = x.shape[0]
    if n < chosen.MIN_TSNE or np.unique(x.round(12), axis=0).shape[0] < 3:
        return chosen.principal(x, 2).astype(np.float32)
    if x.shape[1] > chosen.PCA_DIMS:  # an SVD of the centred rows, as then
        u, s, _ = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
        x = u[:, : chosen.PCA_DIMS] * s[: chosen.PCA_DIMS]
    tsne = TSNE(perplexity=min(30.0, (n - 1) / 3.0), random_state=SEED, n_jobs=1, verbose=False)
    return np.asarray(tsne.fit(x), dtype=np.float32)


def _variant(exact: bool, **options: Any) -> Callable[[NDArray[np.float64]], NDArray[np.float32]]:
    """openTSNE on the prepared rows with Annoy or exact neighbours and ``options``."""

    def fit(x: NDArray[np.float64]) -> NDArray[np.float32]:
        from openTSNE import TSNE, affinity, initialization
        from openTSNE.nearest_neighbors import PrecomputedNeighbors

        model = TSNE(random_state=SEED, n_jobs=1, verbose=False, **options)
        if not exact:
            return np.asarray(model.fit(x), dtype=np.float32)
        idx, dist = chosen.nearest_neighbours(x, 90)
        aff = affinity.PerplexityBasedNN(knn_index=PrecomputedNeighbors(idx, dist), n_jobs=1)
        init = initialization.pca(x, random_state=SEED)
        return np.asarray(model.fit(affinities=aff, initialization=init), dtype=np.float32)

    return fit


CONFIGS: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float32]]] = {
    "defaults (before)": _variant(False),
    "exact neighbours": _variant(True),
    "2 units per interval": _variant(False, ints_in_interval=2),
    "125 + 300 iterations": _variant(False, early_exaggeration_iter=125, n_iter=300),
    "exact + 2 units": _variant(True, ints_in_interval=2),
    "all three (chosen)": chosen.tsne,
}


def prepared(vectors: Embedding) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The map's input rows (dense, for trustworthiness) and what t-SNE is given (PCA 50)."""
    rows = chosen.unit_rows(vectors)
    dense = rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)
    return dense, chosen.principal(rows, chosen.PCA_DIMS)


def first_map(n: int, which: str) -> tuple[float, float]:
    """Wall and CPU seconds of ``Results.map()`` on ``n`` ADE20K-like images in a fresh process."""
    paths = (str(BROWSER_TESTS), str(HERE))
    code = (
        f"import sys, time; sys.path[:0] = {paths!r}\n"
        "from sw_e2e import ade_like\n"
        f"r = ade_like({n}, side=16); r.error_profile()\n"
        f"if {which!r} == 'before':\n"
        "    import projection_configs, segwidget.results.projection as p\n"
        "    p.project = projection_configs.before\n"
        "t, c = time.perf_counter(), time.process_time(); r.map()\n"
        "print(time.perf_counter() - t, time.process_time() - c)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=HERE
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def compare(sizes: list[int], repeats: int) -> None:
    """Print the configurations' table and the first ``Results.map()`` before and after."""
    print(f"{'input':<22}{'n':>7} {'configuration':<28}{'wall (s)':>9}{'cpu (s)':>9}"
          f"{'trust@10':>10}{'× wall':>8}{'× cpu':>7}")  # fmt: skip
    for n in sizes:
        inputs = (("clustered, 64 dims", data(n)), ("ADE-like errors", ade_profiles(n)))
        for name, vectors in inputs:
            rows, x = prepared(vectors)
            wall: dict[str, list[float]] = {c: [] for c in CONFIGS}
            cpu: dict[str, list[float]] = {c: [] for c in CONFIGS}
            maps: dict[str, NDArray[np.float32]] = {}
            for r in range(repeats):  # interleaved, the order rotating: drift hits all alike
                order = list(CONFIGS)[r % len(CONFIGS) :] + list(CONFIGS)[: r % len(CONFIGS)]
                for config in order:
                    w, c = time.perf_counter(), time.process_time()
                    maps[config] = CONFIGS[config](x)
                    wall[config].append(time.perf_counter() - w)
                    cpu[config].append(time.process_time() - c)
            base_w = statistics.median(wall["defaults (before)"])
            base_c = statistics.median(cpu["defaults (before)"])
            for config in CONFIGS:
                w, c = statistics.median(wall[config]), statistics.median(cpu[config])
                trust = trustworthiness(rows, maps[config])
                print(f"{name:<22}{n:>7} {config:<28}{w:>9.2f}{c:>9.2f}{trust:>10.4f}"
                      f"{w / base_w:>8.2f}{c / base_c:>7.2f}", flush=True)  # fmt: skip
        times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        for _ in range(repeats):
            for which in times:
                times[which].append(first_map(n, which))
        (bw, bc), (aw, ac) = (
            (statistics.median(t[0] for t in times[w]), statistics.median(t[1] for t in times[w]))
            for w in ("before", "after")
        )
        print(f"Results.map() the first time, {n} ADE-like images, fresh process, median of "
              f"{repeats}: before {bw:.1f} s (cpu {bc:.1f} s), after {aw:.1f} s (cpu {ac:.1f} s): "
              f"{aw / bw:.2f}× wall, {ac / bc:.2f}× cpu; target ≤ 15 s")  # fmt: skip
        print(f"  runs (wall s, cpu s): {times}")
