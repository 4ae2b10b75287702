"""Headless Chromium as a renderer: an HTML page to a PDF (printed, vector) or a PNG.

The binary is ``[export] chromium`` in config.toml, or the first of chromium,
chromium-browser, google-chrome on the PATH. Each run gets a fresh profile folder, so runs
in parallel do not share state, and nothing but the page's own file is loaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BeltGraphError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
         "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio",
         "--run-all-compositor-stages-before-draw")


class RendererMissing(BeltGraphError):
    """PDF and PNG need Chromium, which is not installed or not found."""

    status = 503


class RenderFailed(BeltGraphError):
    status = 500


def find_chromium(configured: str = "") -> str:
    """The Chromium binary to use; RendererMissing saying how to get one."""
    if configured:
        path = shutil.which(configured) or (configured if os.access(configured, os.X_OK) else None)
        if path:
            return path
        raise RendererMissing(f"[export] chromium = {configured!r} is not an executable")
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise RendererMissing("PDF and PNG exports need Chromium: install it (Debian: apt-get install chromium "
                          "fonts-noto-cjk) or name it in config.toml as [export] chromium")


class Chromium:
    def __init__(self, binary: str | None = None, timeout_s: float = 120.0):
        self.binary = binary or find_chromium()
        self.timeout_s = timeout_s

    def _run(self, html: str, out_name: str, extra: list[str]) -> bytes:
        with tempfile.TemporaryDirectory(prefix="beltgraph-chromium-") as tmp:
            page = Path(tmp) / "page.html"
            page.write_text(html, encoding="utf-8")
            out = Path(tmp) / out_name
            args = [self.binary, *FLAGS, f"--user-data-dir={tmp}/profile", *extra,
                    page.as_uri()]
            args = [a.replace("{out}", str(out)) for a in args]
            try:
                done = subprocess.run(args, capture_output=True, timeout=self.timeout_s, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise RenderFailed(f"Chromium took longer than {self.timeout_s:g} s to render "
                                   "([export] render_timeout_s)") from None
            if not out.exists() or out.stat().st_size == 0:
                tail = done.stderr.decode("utf-8", "replace")[-800:]
                raise RenderFailed(f"Chromium did not write the file (exit {done.returncode}): {tail}")
            return out.read_bytes()

    def pdf(self, html: str) -> bytes:
        """The page printed to PDF; the page's CSS ``@page`` gives the paper size."""
        return self._run(html, "out.pdf", ["--no-pdf-header-footer", "--print-to-pdf={out}",
                                           "--virtual-time-budget=10000"])

    def png(self, html: str, width: int, height: int, scale: float = 1.0) -> bytes:
        """A screenshot of the page at ``width`` x ``height`` CSS pixels, times ``scale``."""
        return self._run(html, "out.png", [f"--window-size={max(width, 1)},{max(height, 1)}",
                                           f"--force-device-scale-factor={scale:g}", "--screenshot={out}",
                                           "--virtual-time-budget=10000", "--default-background-color=ffffffff"])
