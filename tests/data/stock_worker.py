"""Worker processes for the concurrency tests, each a separate Python process with its own
engine, as a second workstation would be, running several transactions at once on threads.

Run as ``python -m tests.data.stock_worker deduct URL ITEM_ID USER_ID THREADS``,
``... move URL ITEM_ID USER_ID EMAIL THREADS COUNT SEED`` or
``... invoice URL YEAR THREADS``. A worker opens its connections, prints ``ready``, waits
for a line on stdin (so that all workers start together), runs its transactions and prints
their outcomes as one JSON list. Plain subprocesses rather than ``multiprocessing``: a
spawned child would import pytest again, which doubles its start-up time.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import MovementType, Role
from dcms_desktop.domain.errors import InsufficientStockError
from dcms_desktop.domain.readmodels.people import Actor

TIMEOUT_SECONDS = 60
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _uow(database: Database) -> UnitOfWork:
    return UnitOfWork(database, MemoryCache(), LocalEventBus(), f"worker-{os.getpid()}")


def deduct_one(database: Database, item_id: uuid.UUID, user_id: uuid.UUID) -> str:
    """Take one unit in a transaction of its own: "ok", "insufficient" or the error."""
    try:
        with _uow(database) as uow:
            uow.inventory.move_stock(
                item_id, -1, MovementType.DEDUCTION, "Used in a visit", performed_by=user_id
            )
            uow.commit()
    except InsufficientStockError:
        return "insufficient"
    except Exception as exc:  # reported to the test, which fails on anything unexpected
        return f"error: {exc!r}"
    return "ok"


def take_invoice_number(database: Database, year: int) -> str:
    """Take one invoice number in a transaction of its own and commit it."""
    try:
        with _uow(database) as uow:
            number = uow.bills.next_invoice_number(year)
            uow.commit()
    except Exception as exc:
        return f"error: {exc!r}"
    return number


def move_many(database: Database, item_id: uuid.UUID, actor: Actor, count: int, seed: str) -> str:
    """``count`` movements up and down through ``InventoryService.move_stock``, each its
    own transaction; ``"+3 -2 !-5 ..."``: the deltas done, ``!`` before one refused for
    want of stock, ``error: ...`` on anything else."""
    # Imported here: the other tasks' workers start without the service layer.
    from dcms_desktop.services.context import ServiceContext
    from dcms_desktop.services.inventory import InventoryService

    rng = random.Random(f"{seed}-{os.getpid()}-{threading.get_ident()}")
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), f"worker-{os.getpid()}")
    inventory = InventoryService(context)
    done: list[str] = []
    for _ in range(count):
        delta = rng.choice((-4, -3, -2, -1, 1, 2, 3, 4))
        kind = rng.choice(_UP_TYPES if delta > 0 else _DOWN_TYPES)
        try:
            inventory.move_stock(actor, item_id, delta, kind, "Concurrent workstation")
        except InsufficientStockError:
            done.append(f"!{delta:+d}")
            continue
        except Exception as exc:  # reported to the test, which fails on anything unexpected
            return f"error: {exc!r}"
        done.append(f"{delta:+d}")
    return " ".join(done)


_UP_TYPES = (MovementType.RESTOCK, MovementType.ADJUSTMENT)
_DOWN_TYPES = (MovementType.DEDUCTION, MovementType.ADJUSTMENT, MovementType.DAMAGED)


def _work(url: str, threads: int, task: Callable[[Database], str]) -> list[str]:
    database = create_database(url)
    try:
        # Open the connections first, so the start signal releases transactions, not
        # connection handshakes.
        warm = [database.engine.connect() for _ in range(threads)]
        for connection in warm:
            connection.close()
        print("ready", flush=True)
        sys.stdin.readline()
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda _: task(database), range(threads)))
    finally:
        database.dispose()


def main(argv: Sequence[str]) -> None:
    kind, url, *rest = argv
    if kind == "deduct":
        item_id, user_id, threads = uuid.UUID(rest[0]), uuid.UUID(rest[1]), int(rest[2])
        outcomes = _work(url, threads, lambda db: deduct_one(db, item_id, user_id))
    elif kind == "move":
        item_id, user_id, email = uuid.UUID(rest[0]), uuid.UUID(rest[1]), rest[2]
        threads, count, seed = int(rest[3]), int(rest[4]), rest[5]
        actor = Actor(user_id, email, Role.STAFF, "Worker")
        outcomes = _work(url, threads, lambda db: move_many(db, item_id, actor, count, seed))
    elif kind == "invoice":
        year, threads = int(rest[0]), int(rest[1])
        outcomes = _work(url, threads, lambda db: take_invoice_number(db, year))
    else:
        raise SystemExit(f"unknown task {kind!r}")
    print(json.dumps(outcomes), flush=True)


def run_workers(args: Sequence[str], processes: int) -> list[str]:
    """Start ``processes`` workers with ``args`` (task, URL, ...), release them together
    once all are ready, and return every outcome."""
    path = [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.data.stock_worker", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline().strip()
            assert line == "ready", f"a worker did not start: {line!r}"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outcomes: list[str] = []
        for worker in workers:
            out, _ = worker.communicate(timeout=TIMEOUT_SECONDS)
            assert worker.returncode == 0, f"a worker failed with {worker.returncode}"
            outcomes.extend(json.loads(out))
        return outcomes
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
