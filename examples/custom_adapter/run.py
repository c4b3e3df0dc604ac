"""Run kure_juki's published storage contract against the JSON-lines adapter and print the
result.

    pip install -e '.[test]'                 # kure_juki from the checkout, once
    pip install examples/custom_adapter      # the adapter and its entry point, beside it
                                             # (this script installs nothing)
    python examples/custom_adapter/run.py    # extra arguments go to pytest, e.g. -x or -k audit

The tests are in ``test_jsonl_contract.py`` beside this file. Exit status: 0 when everything
passed, 1 when something failed, 2 when the adapter is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


class Tally:
    """Counts the outcomes pytest reports, for the summary line."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.counts[report.outcome] = self.counts.get(report.outcome, 0) + 1


def main(argv: list[str]) -> int:
    if importlib.util.find_spec("kure_juki_jsonl") is None:
        print("kure_juki_jsonl is not installed: run `pip install examples/custom_adapter`")
        return 2
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="kj-contract-") as scratch:
        # hypothesis keeps its example database and caches here, not where the run started
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", scratch)
        status = pytest.main(
            [str(HERE / "test_jsonl_contract.py"), "--rootdir", str(HERE), "-q", *argv],
            plugins=[tally],
        )
    verdict = "PASSED" if status == pytest.ExitCode.OK else "FAILED"
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(tally.counts.items()))
    print(f"kure_juki storage contract on the JSON-lines adapter: {verdict} ({counts})")
    return 0 if status == pytest.ExitCode.OK else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
