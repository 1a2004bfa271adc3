"""A throwaway PostgreSQL server for tests: `initdb` in a temporary folder, `postgres` on a free port.

PostgreSQL refuses to run as root; as root the server runs as the `postgres` user (Debian makes it
when the postgresql package is installed), else as `nobody`, in a folder handed to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.support.sip_peers import free_port
from tests.support.waiting import wait_for

SUPERUSER = "agent_tui"


def _run_as() -> dict[str, Any]:
    """subprocess arguments that drop root to an unprivileged user (none when not root)."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


@dataclass
class PgServer:
    """A running server; `url(db)` gives an SQLAlchemy URL of one of its databases."""

    initdb: str
    postgres: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agent-tui-pg-")))
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """initdb and start; returns when the server accepts connections."""
        drop = _run_as()
        data, sockets = self.root / "data", self.root / "sock"
        sockets.mkdir()
        if drop:
            for path in (self.root, sockets):
                os.chown(path, drop["user"], drop["group"])
        subprocess.run(
            [
                self.initdb,
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            cwd=self.root,
            **drop,
        )
        self.port = free_port()
        log = (self.root / "postgres.log").open("wb")
        self.proc = subprocess.Popen(
            [
                self.postgres,
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(sockets),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=300",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            **drop,
        )
        log.close()
        wait_for(self._accepts, timeout=30, interval=0.1, message="PostgreSQL to accept connections")

    def _accepts(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"postgres exited: {(self.root / 'postgres.log').read_text()[-2000:]}")
        try:
            with psycopg.connect(self.conninfo("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def conninfo(self, database: str) -> str:
        """A libpq URI for psycopg."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def url(self, database: str) -> str:
        """An SQLAlchemy URL."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; answers its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, closing its connections."""
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Fast shutdown by pid, then remove the folder."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
