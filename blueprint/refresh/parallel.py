"""Masking spread over worker processes while this process relays the rows.

The load streams each table ``COPY ... TO STDOUT`` -> maskers -> ``COPY ... FROM STDIN`` through one source
session (the subset's temporary tables live there) and one target session (every table is created and
loaded in one transaction). The relay itself is cheap; the maskers (HMAC, fakes, date shifts) are what
costs, about 4-13 µs per row in Python. So the relay stays here and blocks of ``BLOCK_ROWS`` lines go to
worker processes, which mask them and hand them back in order: the target receives exactly the rows, in
exactly the order, one process would have written.

Workers start from a ``forkserver`` (Python docs, "Contexts and start methods"): a fresh process that
imported the maskers and has no other thread, forked once per worker. Forking this process instead would
copy whatever another thread held at that instant (the progress display writes to the terminal from its
own thread), and a child that inherits a held ``sys.stdout`` lock hangs when it flushes at exit (CPython
issue #91776, open). Each worker receives the key and the tables' ``TableMasking`` plans once, over a pipe
between processes of the same user, and builds its maskers and fake pools itself (the pools are drawn
from the key, so every worker draws the same ones). The key goes to no server. The workers never touch a
database connection. Without ``forkserver`` (Windows) or with one CPU, masking runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType

from blueprint.refresh.errors import RefreshError
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.masking import TableMasking, table_masker

#: Rows per block handed to a worker (one pickle and one pipe round trip each: about 0.2 MB).
BLOCK_ROWS = 2048
#: Blocks in flight per worker: enough to keep every worker busy while this process relays.
IN_FLIGHT_PER_WORKER = 3
#: What the forkserver imports once, so each worker starts with the maskers loaded.
_PRELOAD = ["blueprint.refresh.parallel"]

BlockMasker = Callable[[bytes], bytes]

#: table -> block masker, in each worker process (built by ``_start_worker``).
_MASKERS: dict[str, BlockMasker] = {}


def available_cpus() -> int:
    """CPUs this process may run on (``sched_getaffinity``: a container's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_tree_cpu(pid: int | None = None) -> float:
    """CPU seconds (user + system) used by process ``pid`` (default: this one) and all its descendants:
    its own and its reaped children's (``utime``, ``stime``, ``cutime``, ``cstime``), plus every live
    descendant's, recursively (``/proc/<pid>/stat`` and ``/proc/<pid>/task/*/children``, proc(5)). The
    masking workers are children of the forkserver, a live child of this process, so they are counted
    there. Off Linux (no ``/proc``): this process and its reaped children (``os.times``)."""
    root = Path("/proc") / str(pid or os.getpid())
    if not root.exists():
        times = os.times()
        return times.user + times.system + times.children_user + times.children_system
    return _tree_ticks(root) / os.sysconf("SC_CLK_TCK")


def _tree_ticks(proc: Path) -> int:
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        children = [c for task in (proc / "task").iterdir() for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return 0  # exited since it was listed (its CPU is now in its parent's cutime/cstime)
    return ticks + sum(_tree_ticks(Path("/proc") / child) for child in children)


def _maskers(
    key: bytes, plans: Iterable[TableMasking], fakes: FakeValues | None = None
) -> dict[str, BlockMasker]:
    fakes = fakes or FakeValues(key)
    return {plan.table: table_masker(key, plan, fakes) for plan in plans}


def _start_worker(key: bytes, plans: list[TableMasking]) -> None:
    _MASKERS.clear()
    _MASKERS.update(_maskers(key, plans))


def _ready() -> int:
    return os.getpid()


def _start(pool: ProcessPoolExecutor, workers: int) -> None:
    """Launch the forkserver and ``workers`` workers (each ``submit`` starts one, up to the maximum)."""
    try:
        for _ in range(workers):
            pool.submit(_ready)
    except BrokenProcessPool:
        pass  # a worker that could not start: the first block's relay reports it, in one line


def _mask_block(table: str, block: bytes) -> bytes:
    return _MASKERS[table](block)


class MaskingWorkers:
    """A context manager masking blocks of COPY text lines, in ``workers`` processes or, with one worker,
    in this one. Entering it starts the workers in the background (about 0.3 s: enter early, so they
    start while the subset is selected); leaving it stops them.

    Args:
        key: the refresh key.
        plans: the tables that have anything to mask (``masking.TableMasking``).
        workers: processes to mask in; 0 or 1 masks in this process.
        fakes: this process's fake pools (masking here reuses them instead of drawing them again).
    """

    def __init__(
        self, key: bytes, plans: list[TableMasking], workers: int, fakes: FakeValues | None = None
    ) -> None:
        self.key, self.plans, self.fakes = key, plans, fakes
        self._masked = {plan.table for plan in plans}
        usable = "forkserver" in multiprocessing.get_all_start_methods() and bool(plans)
        self.workers = workers if usable else 1
        self._pool: ProcessPoolExecutor | None = None
        self._local: dict[str, BlockMasker] = {}
        self._starting = threading.Thread()

    def __enter__(self) -> MaskingWorkers:
        if self.workers <= 1:
            self._local = _maskers(self.key, self.plans, self.fakes)
            return self
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        pool = self._pool = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker, initargs=(self.key, self.plans)
        )
        # Start the forkserver and every worker now, from another thread (about 0.3 s of imports in a
        # fresh interpreter), so the caller goes on selecting the subset meanwhile.
        self._starting = threading.Thread(target=_start, args=(pool, self.workers), name="masking-workers")
        self._starting.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._starting.join()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def relay(self, table: str, blocks: Iterable[bytes], write: Callable[[bytes], object]) -> None:
        """``write`` every block of ``blocks`` masked with ``table``'s masker (unchanged when the table
        has no plan), in order."""
        if table not in self._masked:
            for block in blocks:
                write(block)
            return
        if self._pool is None:
            mask = self._local[table]
            for block in blocks:
                write(mask(block))
            return
        try:
            self._relay(self._pool, table, blocks, write)
        except BrokenProcessPool as exc:
            raise RefreshError(
                "mask",
                [f"{table}: a masking worker process died ({exc}); nothing was committed: run it again"],
            ) from None

    def _relay(
        self, pool: ProcessPoolExecutor, table: str, blocks: Iterable[bytes], write: Callable[[bytes], object]
    ) -> None:
        pending: deque[Future[bytes]] = deque()
        for block in blocks:
            pending.append(pool.submit(_mask_block, table, block))
            if len(pending) >= self.workers * IN_FLIGHT_PER_WORKER:
                write(pending.popleft().result())
        while pending:
            write(pending.popleft().result())
