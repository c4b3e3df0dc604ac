"""A throwaway PostgreSQL server for tests and benchmarks, and its pytest fixtures.

The cluster lives in a temporary directory and listens only on a Unix socket there (no TCP
port, ``listen_addresses=''``), with ``trust`` authentication for the ``postgres`` user.
``initdb`` and ``postgres`` refuse to run as root, so as root they run as the ``postgres`` OS
user (``runuser``); as any other user they run as that user. Durability is switched off
(``fsync=off``) by default: the data dies with the directory anyway.

Fixtures (a pytest plugin: ``pytest_plugins = ["kure_juki.testing.postgres"]``):

``postgres_cluster``
    The running cluster, once per test session.
``postgres_url``
    ``postgresql+psycopg://postgres@/kure_juki?host=DIR``, a database for the session.
``fresh_postgres_url``
    A new, empty database for one test.

Without the PostgreSQL binaries (Debian: ``apt-get install -y postgresql``) the fixtures skip
the test, except when ``CI=true``, where they fail it: CI must never pass by skipping.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PORT = 5432
_SOCKET = f".s.PGSQL.{PORT}"


def find_bindir() -> Path | None:
    """The directory of ``initdb`` and ``postgres`` (newest Debian version first)."""
    env = os.environ.get("KURE_JUKI_PG_BINDIR")
    candidates = [env] if env else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _as_server_user() -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


class PostgresCluster:
    """initdb + postgres in a temporary directory; stop() ends the server it started."""

    def __init__(
        self,
        bindir: Path | None = None,
        *,
        durable: bool = False,
        settings: dict[str, str] | None = None,
    ) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise FileNotFoundError("PostgreSQL server binaries not found")
        self.bindir = found
        self.durable = durable
        self.settings = dict(settings or {})
        self.root = Path(tempfile.mkdtemp(prefix="kj-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    def start(self) -> PostgresCluster:
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
        os.chmod(self.root, 0o755)
        subprocess.run(
            [
                *_as_server_user(),
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        options = {
            "listen_addresses": "",
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": "100",
            **({} if self.durable else {"fsync": "off", "full_page_writes": "off"}),
            **self.settings,
        }
        args = [*_as_server_user(), str(self.bindir / "postgres"), "-D", str(self.data)]
        for name, value in options.items():
            args += ["-c", f"{name}={value}"]
        log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        isready = self.bindir / "pg_isready"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError("postgres exited: " + self.server_log()[-2000:])
            if (self.socket_dir / _SOCKET).exists():
                done = subprocess.run(
                    [str(isready), "-h", str(self.socket_dir), "-p", str(PORT), "-U", "postgres"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                if done.returncode == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("postgres did not become ready")

    def server_log(self) -> str:
        path = self.root / "server.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def psql_args(self) -> list[str]:
        return ["-h", str(self.socket_dir), "-p", str(PORT), "-U", "postgres"]

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        db = name or f"kj_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host=str(self.socket_dir), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        return self.url(db)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: smart shutdown once clients have gone
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        with contextlib.suppress(AttributeError):
            self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    if find_bindir() is None:
        _unavailable("PostgreSQL binaries not found (apt-get install -y postgresql)")
    cluster = PostgresCluster()
    # Default key files of PostgreSQL stores go to a directory of this session.
    keys = tmp_path_factory.mktemp("pg-keys")
    previous = os.environ.get("KURE_JUKI_KEY_DIR")
    os.environ["KURE_JUKI_KEY_DIR"] = str(keys)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if previous is None:
            os.environ.pop("KURE_JUKI_KEY_DIR", None)
        else:
            os.environ["KURE_JUKI_KEY_DIR"] = previous


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.create_database("kure_juki")


@pytest.fixture
def fresh_postgres_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.create_database()
