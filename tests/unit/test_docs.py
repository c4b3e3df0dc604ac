"""Every code sample in ``docs/*.md`` runs.

Each page's fenced ``python`` blocks run in order in one namespace, in a temporary directory
(so files a page writes are its own). A block fenced ``python no-run`` is skipped, and allowed
only when it shows output or a shell session (its first line starts with ``$ ``, ``>>> ``,
``# output`` or ``# shell``). In ``sh`` blocks, every ``kure-juki …`` command runs in the same
directory through :func:`kure_juki.cli.main` and must exit 0, or the status its trailing
``# exit N`` comment names (what follows N explains it); other shell lines (pip, python, cron)
are not run.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

# The subcommands kept in their own modules register themselves when imported.
import kure_juki.cli_demo
import kure_juki.cli_doctor
from kure_juki import cli

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
SHELLS = ("sh", "shell", "bash", "console")
NO_RUN_OPENINGS = ("$ ", ">>> ", "# output", "# shell")
EXIT = re.compile(r"#\s*exit\s+(\d+)\b")
REFERENCE = re.compile(r"`(kure_juki(?:\.\w+)+)`")


class Block(NamedTuple):
    lang: str
    flags: str
    code: str
    line: int  # line of the block's first code line in the page


def blocks(page: Path) -> list[Block]:
    text = page.read_text("utf-8")
    return [
        Block(m.group(1), m.group(2).strip(), m.group(3), text.count("\n", 0, m.start(3)) + 1)
        for m in FENCE.finditer(text)
    ]


def commands(block: Block) -> Iterator[tuple[str, int, int]]:
    """(command line, expected exit status, line) of each ``kure-juki`` command in a block."""
    pending, first = "", block.line
    for offset, raw in enumerate(block.code.splitlines()):
        line = raw.strip()
        if not pending:
            first = block.line + offset
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line, pending = (pending + line).strip(), ""
        line = line.removeprefix("$ ")
        if line.startswith("kure-juki "):
            found = EXIT.search(line)
            yield line, int(found.group(1)) if found else 0, first


def run_command(line: str) -> tuple[int, str]:
    argv = shlex.split(line, comments=True)[1:]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = cli.main(argv)
        except SystemExit as exit_:  # argparse: --help, usage errors
            status = exit_.code if isinstance(exit_.code, int) else 1
    return status, out.getvalue()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_samples_of_the_page_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for block in blocks(page):
        where = f"{page.name}:{block.line}"
        if block.lang == "python" and "no-run" in block.flags.split():
            opening = block.code.lstrip().splitlines()[0] if block.code.strip() else ""
            assert opening.startswith(NO_RUN_OPENINGS), f"{where}: no-run is for output or shell"
        elif block.lang == "python":
            # Blank lines before the code keep the page's line numbers in tracebacks.
            code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
            exec(code, namespace)
        elif block.lang in SHELLS:
            for line, expected, at in commands(block):
                status, output = run_command(line)
                assert status == expected, f"{page.name}:{at}: `{line}` exited {status}\n{output}"


OPTIONAL_DEPENDENCIES = {"smartcard"}  # pyscard: the `pcsc` extra, absent on many machines


def defined_in_source(module: str, names: list[str]) -> bool:
    """Whether *module*'s source defines ``names[0]`` at top level (and, for a class,
    ``names[1]`` in its body), read without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not names:
        return False
    tree = ast.parse(Path(spec.origin).read_text("utf-8"))
    body: list[ast.stmt] = tree.body
    for name in names:
        found = [
            node for node in body
            if (isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name == name)
            or (isinstance(node, ast.Assign | ast.AnnAssign) and name in ast.unparse(node))
        ]
        if not found:
            return False
        body = found[0].body if isinstance(found[0], ast.ClassDef) else []
    return True


def _source_defines(parts: list[str]) -> bool:
    """Whether some split of *parts* into a module and names is defined in source."""
    for cut in range(len(parts) - 1, 0, -1):
        with contextlib.suppress(ImportError):
            if defined_in_source(".".join(parts[:cut]), parts[cut:]):
                return True
    return False


def resolve(dotted: str) -> object:
    """The object a dotted name refers to: the longest importable module, then attributes.

    A module that needs an optional dependency missing here (pyscard) is checked by reading
    its source, so the page's names are still verified on a machine without it."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        try:
            found: object = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]
            if missing in OPTIONAL_DEPENDENCIES and _source_defines(parts):
                return module
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_name_a_page_gives_exists(page: Path) -> None:
    missing = []
    for name in sorted(set(REFERENCE.findall(page.read_text("utf-8")))):
        try:
            resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing, f"{page.name} names what does not exist: {missing}"


def test_the_pages_of_the_documentation_exist() -> None:
    names = {p.name for p in PAGES}
    wanted = {"architecture.md", "adapters.md", "glossary.md", "security.md", "operations.md",
              "cli.md"}
    assert wanted <= names, sorted(wanted - names)


def test_every_subcommand_has_an_example_in_the_cli_page() -> None:
    shown = {
        " ".join(shlex.split(line, comments=True)[1:3])
        for block in blocks(DOCS / "cli.md")
        if block.lang in SHELLS
        for line, _, _ in commands(block)
    }
    for cmd in cli.COMMANDS:
        name = " ".join(cmd.words)
        assert any(s == name or s.startswith(name + " ") or s.split()[0] == name
                   for s in shown), f"docs/cli.md shows no `kure-juki {name}`"


def test_the_fence_reader_finds_blocks_and_commands(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "# t\n\n```python\nx = 1\n```\n\ntext\n\n```sh\n$ kure-juki doctor memory:// \\\n"
        "    --strict   # exit 1\npip install x\n```\n",
        "utf-8",
    )
    found = blocks(page)
    assert [(b.lang, b.line) for b in found] == [("python", 4), ("sh", 10)]
    assert list(commands(found[1])) == [("kure-juki doctor memory:// --strict   # exit 1", 1, 10)]
    assert kure_juki.cli_demo.CARD_PIN  # both command modules are loaded for the pages
