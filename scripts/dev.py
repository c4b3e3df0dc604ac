#!/usr/bin/env python3
"""Set up and run: `python3 scripts/dev.py demo` (the reference example) or `... test`.

Needs only Python 3.11+: creates `.venv` in the repository on first use, installs the package
with its test extras (and pyscard where the PC/SC headers are present), then runs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".kure_juki-installed"


def _run(*cmd: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script may be started by an older Python)
        sys.exit("kure_juki needs Python 3.11 or newer")
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    pip = [PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run(*pip, "-e", f"{ROOT}[test]")
    if Path("/usr/include/PCSC/winscard.h").exists():
        _run(*pip, "-e", f"{ROOT}[test,pcsc]")
    ensure_font()
    STAMP.write_text(wanted)


DEBIAN_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


def ensure_font() -> None:
    """Certificates embed a Japanese TrueType font. Debian's fonts-ipaexfont is preferred
    (`.ci/run` installs it); without it, IPAexゴシック (IPA Font License) is taken from a PyPI
    source distribution that ships it and kept inside .venv."""
    target = VENV / "share" / "kure_juki" / "fonts"
    if DEBIAN_FONT.exists() or (target / "ipaexg.ttf").exists():
        return
    import tarfile
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _run(PY, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             "--disable-pip-version-check", "-d", tmp, "japanize-matplotlib==1.1.3")
        archive = next(Path(tmp).glob("japanize*matplotlib-*.tar.gz"))
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if "/fonts/" in member.name and name.endswith((".ttf", ".txt")):
                    source = tar.extractfile(member)
                    if source is not None:
                        (target / name).write_bytes(source.read())


def demo() -> int:
    return _run(PY, ROOT / "examples" / "reference.py", check=False)


def test(extra: list[str]) -> int:
    status = 0
    status |= _run(PY, "-m", "ruff", "check", "src", "tests", "examples", "benchmarks", "scripts",
                   check=False)
    status |= _run(PY, "-m", "mypy", "--strict", "src", check=False)
    # Two workers: the suite's PostgreSQL clusters and virtual card readers are per worker.
    status |= _run(PY, "-m", "pytest", "-q", "-n", "2", *extra, check=False)
    return 1 if status else 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test", "setup"):
        print(__doc__)
        return 2
    ensure_env()
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    if sys.argv[1] == "demo":
        return demo()
    if sys.argv[1] == "test":
        return test(sys.argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
