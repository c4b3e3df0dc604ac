"""Every runnable example runs from the repository and shows what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = {
    "quickstart.py": ["転入", "出生", "転居", "死亡", "世帯主変更", "転出確定"],
    "reference.py": ["本人確認: match", "住民票の写し", "整合性確認", "改ざん検知 正常"],
    "foreign_residents.py": ["通称", "在留期間更新", "印鑑登録", "取消"],
    "certificates.py": [],
    "access_and_audit.py": [],
    "cs_link.py": ["整合性確認"],
    "card_reader.py": ["特例転入"],
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_example_runs(name: str, tmp_path: Path) -> None:
    args = [sys.executable, str(ROOT / "examples" / name)]
    if name in ("reference.py", "foreign_residents.py"):
        args.append(str(tmp_path / "out"))
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    for word in EXAMPLES[name]:
        assert word in done.stdout, f"{name} did not show {word}"
