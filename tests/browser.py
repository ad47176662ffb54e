"""Debian's chromium under Playwright, for the browser tests and the
README's screenshots (scripts/screenshots.py).

Playwright is never asked to download a browser (this machine cannot); it
drives the system one. The flags are those this machine's chromium needs
as root and offline: no sandbox (root), no GPU, and no background
networking, whose refused connections otherwise flood the run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if CHROMIUM.exists():
        return None
    return f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def launch(playwright: Any) -> Any:
    """A headless chromium (Playwright's default is headless, with a fresh profile)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
