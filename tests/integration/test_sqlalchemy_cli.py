"""The kure-juki command: subcommands from the table, exit codes 0 / 1 / 2, --json output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kure_juki import cli


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        [],
        ["bogus"],
        ["db"],
        ["import", "sqlite:///x.db"],
        ["import", "a", "b", "--batch-lines", "x"],
    ):
        with pytest.raises(SystemExit) as caught:
            cli.main(argv)
        assert caught.value.code == 2
    capsys.readouterr()


def test_every_registered_command_is_reachable(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    for command in cli.COMMANDS:
        with pytest.raises(SystemExit) as caught:
            parser.parse_args([*command.words, "--help"])
        assert caught.value.code == 0
        assert command.help in capsys.readouterr().out


def test_a_failure_exits_1_with_its_code_and_never_a_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    assert cli.main(["--json", "db", "check", missing]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"]["code"] == "KJ-STORE-001"
    assert "nothing-here" not in json.dumps(out)
    assert cli.main(["keys", "rotate", missing]) == 1
    err = capsys.readouterr().err
    assert err.startswith("KJ-STORE-001: ") and "nothing-here" not in err


def test_the_console_script_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "kure_juki.cli", "--json", "db", "upgrade", url],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["revisions"] == {"main": "m0003_h_mj", "vault": "v0001"}
