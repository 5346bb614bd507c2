"""Where browser tests put their screenshots.

They land in ``docs/<name>/`` only when asked for (``MOTCUA_UPDATE_DOCS=1``), so an
ordinary test run never leaves the working tree changed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def screenshot_dir(name: str) -> Path:
    if os.environ.get("MOTCUA_UPDATE_DOCS"):
        return DOCS / name
    return Path(tempfile.mkdtemp(prefix=f"motcua-{name}-"))
