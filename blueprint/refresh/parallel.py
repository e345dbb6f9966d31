"""Masking spread over worker processes while this process relays the rows.

The load streams each table ``COPY ... TO STDOUT`` -> maskers -> ``COPY ... FROM STDIN`` through one source
session (the subset's temporary tables live there) and one target session (every table is created and
loaded in one transaction). The relay itself is cheap; the maskers (HMAC, fakes, date shifts) are what
costs, about 4-13 µs per row in Python. So the relay stays here and blocks of ``BLOCK_ROWS`` lines go to
worker processes, which mask them and hand them back in order: the target receives exactly the rows, in
exactly the order, one process would have written.

The workers are forked after every table's maskers are built (``MaskingWorkers``), so they inherit the
maskers, the key and the fake pools instead of rebuilding them; the key stays in memory, as in one process,
and goes to no server. Workers only run on Linux (``fork``; on macOS it is unsafe with system frameworks,
Python docs, "Contexts and start methods"), with more than one CPU, and never touch a database connection.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

#: Rows per block handed to a worker (one pickle and one pipe round trip each: about 0.2 MB).
BLOCK_ROWS = 2048
#: Blocks in flight per worker: enough to keep every worker busy while this process relays.
IN_FLIGHT_PER_WORKER = 3

BlockMasker = Callable[[bytes], bytes]

#: table -> block masker, set before the workers fork (they inherit it) and cleared afterwards.
_MASKERS: dict[str, BlockMasker] = {}


def available_cpus() -> int:
    """CPUs this process may run on (``sched_getaffinity``: a container's CPU set, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _mask_block(table: str, block: bytes) -> bytes:
    return _MASKERS[table](block)


class MaskingWorkers:
    """A context manager masking blocks of COPY text lines, in ``workers`` processes or, with one worker
    (or off Linux), in this one.

    Args:
        maskers: table (``schema.table``) -> block masker (``masking.block_masker``), for every table
            that has anything to mask.
        workers: processes to mask in; 0 or 1 masks in this process.
    """

    def __init__(self, maskers: dict[str, BlockMasker], workers: int) -> None:
        self.maskers = maskers
        self.workers = workers if sys.platform == "linux" and maskers else 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> MaskingWorkers:
        if self.workers > 1:
            _MASKERS.clear()
            _MASKERS.update(self.maskers)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _MASKERS.clear()

    def relay(self, table: str, blocks: Iterable[bytes], write: Callable[[bytes], object]) -> None:
        """``write`` every block of ``blocks`` masked with ``table``'s masker (unchanged when it has none),
        in order."""
        mask = self.maskers.get(table)
        if mask is None:
            for block in blocks:
                write(block)
            return
        if self._pool is None:
            for block in blocks:
                write(mask(block))
            return
        pending: deque[Future[bytes]] = deque()
        for block in blocks:
            pending.append(self._pool.submit(_mask_block, table, block))
            if len(pending) >= self.workers * IN_FLIGHT_PER_WORKER:
                write(pending.popleft().result())
        while pending:
            write(pending.popleft().result())
