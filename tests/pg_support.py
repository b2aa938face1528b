"""A throwaway PostgreSQL server for tests and benchmarks, from Debian's ``postgresql`` package:
``initdb`` into a temporary folder, ``pg_ctl start`` on a free 127.0.0.1 port, trust auth,
fsync on (the crash tests rely on acknowledged commits being on disk). As root (CI) the server
runs as the ``postgres`` user, since PostgreSQL refuses to run as root."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest installed server's bin folder (``/usr/lib/postgresql/N/bin``), or initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    data: Path
    port: int
    bin: Path
    user: str | None  # the OS user the server runs as, when we are root

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c max_connections=300 -c fsync=on"
        self._run("pg_ctl", "-D", str(self.data / "db"), "-o", opts, "-l", str(self.data / "log"), "-w", "start")

    def kill(self) -> None:
        """Stop at once, as a crash would (immediate mode: no checkpoint; recovery replays the WAL)."""
        self._run("pg_ctl", "-D", str(self.data / "db"), "-m", "immediate", "stop")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data / "db"), "-m", "fast", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"


def start_postgres() -> PostgresServer:
    """initdb and start a server; the caller stops it and removes ``server.data``."""
    binary = pg_bin()
    if binary is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    data = Path(tempfile.mkdtemp(prefix="policy-pg-"))
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(data=data, port=_free_port(), bin=binary, user=user)
    server._run(
        "initdb",
        "-D",
        str(data / "db"),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    server.start()
    return server
