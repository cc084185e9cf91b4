"""Which projection library draws the failure map: UMAP (umap-learn), openTSNE, PCA.

For each, on clustered unit vectors like an embedding (``clusters`` groups in ``dim``
dimensions, the map's input), at 2,000 and 10,000 points: the median wall time of
``--repeats`` fits in this process, the time of one fit in a fresh process (import and
any JIT compilation included: what a user waits for the first time), and the
neighbourhood trustworthiness at k = 10 (sklearn's definition, computed by an exact
chunked loop so that 10,000 points fit in memory; checked against
``sklearn.manifold.trustworthiness`` at 2,000). Install sizes are measured separately
(``pip install --target DIR pkg`` then ``du -sm DIR``) and given in
docs/guide/failure-map.md.

``--configs`` compares segwidget's openTSNE configuration (``segwidget.results.projection``)
with openTSNE's defaults as segwidget used them before (Annoy neighbours, one integer unit
per FFT interval, 250 + 500 iterations) and with each change alone, in one run on the same
data: the clustered vectors above and ADE20K-like error profiles (150 classes, the map's
real input, ``tests/browser/sw_e2e.py``). Each row: median wall and CPU seconds of
``--repeats`` interleaved fits, trustworthiness at k = 10 against the map's input rows, and
the ratios to the defaults; then ``Results.map()`` the first time in a fresh process
(openTSNE's import included), before and after, medians of ``--repeats`` processes.

Run: ``python bench/bench_projection.py [--repeats 3] [--sizes 2000,10000]`` (libraries)
or ``python bench/bench_projection.py --configs [--repeats 3] [--sizes 10000]``; the
libraries must be importable (the candidates not chosen are not project dependencies).
Never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

HERE = Path(__file__).resolve().parent
SEED = 0
K = 10


def data(n: int, dim: int = 64, clusters: int = 20, seed: int = SEED) -> NDArray[np.float32]:
    """``n`` unit vectors around ``clusters`` random centres (spread 0.6 of the unit)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, dim)) * np.sqrt(
        (centres**2).mean()
    )
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def fit_umap(x: NDArray[np.float32]) -> NDArray[np.float32]:
    import umap

    return umap.UMAP(n_neighbors=15, random_state=SEED).fit_transform(x)


def fit_tsne(x: NDArray[np.float32]) -> NDArray[np.float32]:
    from openTSNE import TSNE

    return np.asarray(TSNE(random_state=SEED, n_jobs=1).fit(x), dtype=np.float32)


def fit_pca(x: NDArray[np.float32]) -> NDArray[np.float32]:
    centred = x.astype(np.float64) - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return (centred @ vt[:2].T).astype(np.float32)


METHODS: dict[str, Callable[[NDArray[np.float32]], NDArray[np.float32]]] = {
    "umap": fit_umap,
    "opentsne": fit_tsne,
    "pca": fit_pca,
}


def trustworthiness(x: NDArray, y: NDArray, k: int = K, chunk: int = 500) -> float:
    """sklearn's trustworthiness (euclidean), exact, ``chunk`` rows of ranks at a time."""
    n = x.shape[0]
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    sq_x = (x**2).sum(1)
    sq_y = (y**2).sum(1)
    penalty = 0.0
    for lo in range(0, n, chunk):
        rows = np.arange(lo, min(lo + chunk, n))
        dx = sq_x[rows, None] + sq_x[None, :] - 2 * x[rows] @ x.T
        dx[np.arange(rows.size), rows] = np.inf  # a point is not its own neighbour
        dy = sq_y[rows, None] + sq_y[None, :] - 2 * y[rows] @ y.T
        dy[np.arange(rows.size), rows] = np.inf
        order = np.argsort(dx, axis=1, kind="stable")
        rank = np.empty_like(order)
        rank[np.arange(rows.size)[:, None], order] = np.arange(n)[None, :] + 1
        near_y = np.argpartition(dy, k, axis=1)[:, :k]
        r = rank[np.arange(rows.size)[:, None], near_y]
        penalty += np.maximum(r - k, 0).sum()
    return float(1 - 2.0 / (n * k * (2 * n - 3 * k - 1)) * penalty)


def first_fit(method: str, n: int) -> float:
    """Seconds for one fit in a fresh interpreter (imports and JIT included)."""
    code = (
        "import time; t = time.perf_counter(); import bench_projection as b; "
        f"b.METHODS[{method!r}](b.data({n})); print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=HERE
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--configs", action="store_true", help="openTSNE configurations")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.configs:
        from projection_configs import compare

        return compare(sizes, args.repeats)
    methods = args.methods.split(",")
    x_check = data(2000)
    from sklearn.manifold import trustworthiness as sk_trust

    y_check = fit_pca(x_check)
    ours, theirs = trustworthiness(x_check, y_check), sk_trust(x_check, y_check, n_neighbors=K)
    print(f"trustworthiness loop vs sklearn at 2,000 (PCA): {ours:.6f} vs {theirs:.6f}")
    print(f"{'method':<10}{'n':>7}{'first (s)':>11}{'median (s)':>12}{'trust@10':>10}")
    for n in sizes:
        x = data(n)
        for method in methods:
            first = first_fit(method, n)
            times, y = [], None
            for _ in range(args.repeats):
                t = time.perf_counter()
                y = METHODS[method](x)
                times.append(time.perf_counter() - t)
            assert y is not None
            trust = trustworthiness(x, y)
            print(
                f"{method:<10}{n:>7}{first:>11.2f}{statistics.median(times):>12.2f}{trust:>10.4f}"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
