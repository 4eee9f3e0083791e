"""A throwaway PostgreSQL server for a test that needs one outside any stack (a run store, a
test service served by hand): started on a free port, stopped and removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from signoff.stack import local_services, postgres
from signoff.stack.procs import free_port


@contextmanager
def server(prefix: str) -> Iterator[str]:
    """The server's URL of its `postgres` database, as its superuser."""
    # a folder of its own that the server's user (`postgres` when root) can enter
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    port = free_port()
    process = local_services.postgres_process(port, workdir, workdir / "logs", None)
    try:
        process.start()
        admin = local_services.admin_dsn({"postgres": port})
        process.wait_ready(lambda: postgres.can_query(admin), 60, "a query answers")
        yield admin
    finally:
        process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
