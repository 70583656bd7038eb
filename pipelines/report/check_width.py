"""Check that report pages do not overflow horizontally at 1280 px, measured in headless Chromium.

    python -m pipelines.report.check_width [--width 1280] PAGE.html ...   (make check-report)

The page itself runs no script (its Content-Security-Policy forbids it), so each page is copied to a
scratch folder beside it (its relative links still resolve) with that policy removed, every <details>
opened (a collapsed list must fit too once opened) and a script at the end that writes
document.documentElement.scrollWidth, and the widest elements, into the DOM. Chromium loads the copy
with no network, no profile and no extension (--dump-dom) and the measure is read back from the dump.
Exit status 1 when a page is wider than the window, 2 when Chromium is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WIDTH = 1280
HEIGHT = 900
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio"]

MEASURE = """<script>
for (const d of document.querySelectorAll('details')) d.open = true;
const limit = document.documentElement.clientWidth;
const wide = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > limit + 0.5)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ':' + Math.round(e.getBoundingClientRect().right));
const out = document.createElement('pre');
out.id = 'r57-width';
out.textContent = JSON.stringify({scrollWidth: document.documentElement.scrollWidth, clientWidth: limit, wide: wide});
document.body.appendChild(out);
</script>"""
RESULT = re.compile(r'<pre id="r57-width">(.*?)</pre>', re.S)
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')


def chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def measure(page: Path, width: int = WIDTH, browser: str | None = None) -> dict:
    """{'scrollWidth', 'clientWidth', 'wide'} of the page laid out in a window `width` px wide."""
    browser = browser or chromium()
    if browser is None:
        raise FileNotFoundError("Chromium not found (apt-get install -y chromium)")
    page = page.resolve()
    source = CSP.sub("", page.read_text(encoding="utf-8")).replace("</body>", MEASURE + "</body>")
    with tempfile.TemporaryDirectory(prefix=".width-", dir=page.parent) as scratch, \
            tempfile.TemporaryDirectory(prefix="r57-chromium-") as profile:
        copy = Path(scratch) / page.name
        copy.write_text(source, encoding="utf-8")
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{HEIGHT}",
             "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()],
            capture_output=True, text=True, timeout=120)
    found = RESULT.search(done.stdout)
    if found is None:
        raise RuntimeError(f"no measure in Chromium's output (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--width", type=int, default=WIDTH)
    args = parser.parse_args(argv)
    if chromium() is None:
        print("error: Chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    failed = False
    for page in args.pages:
        result = measure(page, args.width)
        ok = result["scrollWidth"] <= args.width
        failed |= not ok
        print(f"{'ok' if ok else 'TOO WIDE'}  {page}: scrollWidth {result['scrollWidth']} px at a {args.width} px window"
              + ("" if ok else f"; widest elements: {', '.join(result['wide'])}"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
