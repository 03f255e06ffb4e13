"""Benchmark the site (a report, not a test): `make bench` or `python tools/bench.py [--skip-tests]`.

Prints cold and warm `mkdocs build --strict` time, total and slowest snippet time (each snippet's
`main()` on one CPU thread, after torch is imported), the whole test command's time, the built site's
size, and the first-visit page weight and time-to-math of a question page in Chromium.
Targets for the finished site on a 2-core machine: snippets ≤ 30 s in all and ≤ 2 s each; warm strict
build ≤ 20 s; the test command ≤ 5 min; a question page < 1 MB on first visit with math in < 1 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SNIPPET_TIMER = r"""
import importlib, json, sys, time
import torch, torch._dynamo  # the one-off lazy imports are not the snippet's cost
torch.set_num_threads(1)
out = {}
for name in sys.argv[1:]:
    m = importlib.import_module("snippets." + name)
    t = time.perf_counter(); m.main(); out[name] = time.perf_counter() - t
print("@@" + json.dumps(out))
"""


def timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    return time.perf_counter() - t, proc


def build(out: Path) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    dt, proc = timed([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], env=env)
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit("strict build failed")
    return dt


def snippet_times() -> dict[str, float]:
    names = sorted(p.stem for p in (ROOT / "snippets").glob("q[0-9][0-9]_*.py"))
    _, proc = timed([sys.executable, "-c", SNIPPET_TIMER, *names])
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@")), None)
    if line is None:
        raise SystemExit(f"snippet timing failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[2:])


def page_weight(site: Path, path: str) -> tuple[int, int, float, float]:
    """Bytes for a first visit (empty cache): as served here (uncompressed) and gzip-compressed (as
    GitHub Pages and most static hosts serve text); ms until every formula is typeset, from navigation
    and from DOMContentLoaded."""
    from playwright.sync_api import sync_playwright

    from tests.site import CHROMIUM, CHROMIUM_ARGS, serve

    with serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        bodies: list[bytes] = []
        page.on("response", lambda r: bodies.append(r.body() if r.ok else b""))
        t = time.perf_counter()
        page.goto(url + path)
        page.wait_for_function(
            "document.querySelectorAll('.arithmatex').length > 0 && "
            "[...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex'))"
        )
        ms = (time.perf_counter() - t) * 1000
        after_dcl = page.evaluate("performance.now() - performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(map(len, bodies)), sum(len(gzip.compress(b)) for b in bodies), ms, after_dcl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-tests", action="store_true", help="do not time the whole test command")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp())
    shutil.rmtree(ROOT / ".cache", ignore_errors=True)  # mkdocs-jupyter's executed-notebook cache
    cold = build(work / "site")
    warm = build(work / "site")
    size = sum(f.stat().st_size for f in (work / "site").rglob("*") if f.is_file())
    times = snippet_times()
    slow = sorted(times.items(), key=lambda kv: -kv[1])[:5]
    print(f"strict build, cold (no notebook cache): {cold:6.1f} s")
    print(f"strict build, warm:                     {warm:6.1f} s   (target ≤ 20 s)")
    print(f"snippets: {len(times)} in {sum(times.values()):.1f} s (target ≤ 30 s); slowest:")
    for name, t in slow:
        print(f"    {name:40s} {t:5.2f} s (target ≤ 2 s)")
    print(f"built site: {size / 1e6:.1f} MB in {sum(1 for _ in (work / 'site').rglob('*.html'))} HTML files")
    from tools.pages import load_pages

    first = next((p for p in load_pages() if p.id == 14), load_pages()[0])
    raw, gz, ms, after_dcl = page_weight(work / "site", str(Path(first.docs_path).with_suffix("")) + "/")
    print(f"first visit to Q{first.id}: {raw / 1e6:.2f} MB uncompressed, {gz / 1e6:.2f} MB gzip-compressed; "
          f"math typeset after {ms:.0f} ms ({after_dcl:.0f} ms after DOMContentLoaded) (targets < 1 MB, < 1 s)")
    if not args.skip_tests:
        dt, proc = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
        print(f"whole test command: {dt:6.1f} s (target ≤ 300 s) — {tail}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
