"""docs/policy.md is generated from the shipped policy and recipients; it must stay in sync.

Regenerate after changing ``src/kure_juki/policy/*.json``::

    .venv/bin/python tests/unit/test_policy_doc.py
"""

from __future__ import annotations

import re
from pathlib import Path

import kure_juki as kj
from kure_juki.domain.policy import policy_markdown
from kure_juki.domain.transfers import recipients_markdown
from kure_juki.service.session_access import default_recipients

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def render() -> str:
    return policy_markdown(kj.load_policy()) + "\n" + recipients_markdown(default_recipients())


def test_policy_doc_matches_the_policy_file() -> None:
    assert DOC.read_text("utf-8") == render(), (
        "docs/policy.md is out of date: run .venv/bin/python tests/unit/test_policy_doc.py"
    )


def test_security_doc_names_only_tests_and_files_that_exist() -> None:
    """docs/security.md maps each control to code and tests: every one it names is real."""
    root = DOC.parents[1]
    text = (root / "docs" / "security.md").read_text("utf-8")
    tests = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    files = re.findall(r"`((?:src|tests)/[\w/.]+)`", text)
    assert len(tests) > 60 and len(files) > 30
    for path, name in tests:
        source = (root / path).read_text("utf-8")
        assert re.search(rf"^\s*def {name}\(|^{name} = ", source, re.MULTILINE), f"{path}::{name}"
    for path in files:
        assert (root / path).exists(), path
    for n in range(1, 21):
        assert re.search(rf"^\| {n} \|", text, re.MULTILINE), f"control {n} is not mapped"


def test_policy_doc_shows_every_role_purpose_and_recipient() -> None:
    text = render()
    policy = kj.load_policy()
    for name in [*policy.roles, *policy.purposes, *policy.operations, *default_recipients()]:
        assert f"{name}" in text
    assert text.count("\n| ") > len(policy.purposes) + len(default_recipients())


if __name__ == "__main__":
    DOC.write_text(render(), "utf-8")
    print(f"wrote {DOC}")
