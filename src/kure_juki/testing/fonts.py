"""The fonts a printing test needs: IPAmj明朝 for MJ characters, skipped only outside CI.

Without IPAmj明朝 (Debian: ``apt-get install -y fonts-ipamj-mincho``) a test that needs it is
skipped, except when ``CI=true``, where it fails: CI installs the font (``.ci/run``) and must
never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kure_juki.adapters.printing.fonts import DEBIAN_MJ_FONT


def require_mj_font() -> Path:
    """Debian's IPAmj明朝 file, or skip the test (fail it under CI) without it."""
    path = DEBIAN_MJ_FONT
    if path.is_file():
        return path
    reason = f"needs IPAmj明朝 at {path} (apt-get install -y fonts-ipamj-mincho)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"IPAmj明朝 is required in CI: {reason}")
    pytest.skip(reason)
