"""The package as users get it: build it, check it, install the wheel into a fresh venv, use it.

1. ``python -m build``: the sdist and the wheel (the built ES modules inside);
2. ``twine check --strict``: the metadata and the README render on the package index;
3. the wheel's size beside its budget (over budget fails: the size does not depend on the
   machine, so it is a check, not a timing);
4. a fresh venv (no system site-packages) with the CPU build of torch first
   (``pip install torch==2.13.0``, as ``make setup`` does) and then the wheel, with node and
   npm off the PATH: nothing may need building at install;
5. ``bench/package_smoke.py`` in that venv, from a directory outside the checkout: import
   time, the demo's analyse, ``SegExplorer(results=...)``'s state, ``save_html``, ``load``.

Prints each step's time and figures; exits non-zero naming the step that failed. CI runs it
through ``make package-check`` (part of ``make test``). Run:
``python bench/bench_package.py [--out test-artifacts/package] [--budget-kb 1024]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TORCH = "torch==2.13.0"  # the CPU build, as in the Makefile: a bare `torch` pulls CUDA's
NODE = ("node", "nodejs", "npm", "npx", "corepack")  # off the fresh venv's PATH: no build
WHEEL_BUDGET_KB = 1024  # 0.3.0's wheel is ~0.66 MB: the demo's two weight files and the ES modules


def run(step: str, command: list[str], **kwargs: Any) -> float:
    """Run ``command``; fail naming ``step`` when it fails. Returns the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{step} failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    print(f"{step}: {took:.1f} s")
    return took


def without_node(path: str, shadow: Path) -> str:
    """``path`` without node or npm. A folder that holds them (Debian's /usr/bin, which
    holds coreutils too) gives way to ``shadow``: links to its other programs."""
    kept: list[str] = []
    for folder in path.split(os.pathsep):
        if not any(Path(folder, x).exists() for x in NODE):
            kept.append(folder)
            continue
        shadow.mkdir(parents=True, exist_ok=True)
        for program in Path(folder).iterdir():
            link = shadow / program.name
            if program.name not in NODE and not link.exists():
                link.symlink_to(program)
        if str(shadow) not in kept:
            kept.append(str(shadow))
    return os.pathsep.join(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "package")
    parser.add_argument("--budget-kb", type=float, default=WHEEL_BUDGET_KB)
    args = parser.parse_args()
    out: Path = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    dist, venv, work = out / "dist", out / "venv", out / "elsewhere"
    work.mkdir(parents=True)
    total = time.perf_counter()

    build = [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)]
    run("build (sdist and wheel)", build)
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    run("twine check", [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)])
    wheel_kb, sdist_kb = wheel.stat().st_size / 1000, sdist.stat().st_size / 1000
    verdict = "within" if wheel_kb <= args.budget_kb else "OVER"
    print(f"wheel {wheel.name}: {wheel_kb:.0f} kB (budget {args.budget_kb:.0f} kB: {verdict})")
    print(f"sdist {sdist.name}: {sdist_kb:.0f} kB")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = without_node(env.get("PATH", ""), out / "bin")
    if shutil.which("node", path=env["PATH"]) or shutil.which("npm", path=env["PATH"]):
        sys.exit("node is still on the PATH given to the fresh venv")
    run("fresh venv", [sys.executable, "-m", "venv", str(venv)], env=env)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    run(f"pip install {TORCH}", [*pip, TORCH], env=env)
    run("pip install the wheel (node off the PATH)", [*pip, str(wheel)], env=env)

    print("smoke test in the fresh venv:")
    smoke = [str(venv / "bin" / "python"), str(ROOT / "bench" / "package_smoke.py")]
    done = subprocess.run([*smoke, "--json", str(out / "smoke.json")], cwd=work, env=env, text=True)
    if done.returncode != 0:
        sys.exit(f"the smoke test failed in the fresh venv ({done.returncode})")
    if not os.environ.get("CI"):  # a CI machine is thrown away: don't spend its time on this
        shutil.rmtree(venv)  # ~1 GB of torch; the figures stay in smoke.json
    print(f"package check: {time.perf_counter() - total:.1f} s in all")
    if verdict == "OVER":
        sys.exit(f"the wheel ({wheel_kb:.0f} kB) is over its budget ({args.budget_kb:.0f} kB)")


if __name__ == "__main__":
    main()
