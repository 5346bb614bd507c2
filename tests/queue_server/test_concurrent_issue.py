"""Many kiosks at once: numbers stay unique and gap-free, on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

THREADS = 20
PER_THREAD = 5


def test_twenty_threads_issue_unique_gap_free_numbers(live_server_any_db):
    server = live_server_any_db
    barrier = Barrier(THREADS)

    def issue(worker: int) -> list[str]:
        barrier.wait()
        return [server.take_ticket("C", key=f"w{worker}-{i}")["number"]
                for i in range(PER_THREAD)]

    with ThreadPoolExecutor(THREADS) as pool:
        numbers = [n for batch in pool.map(issue, range(THREADS)) for n in batch]
    assert len(numbers) == THREADS * PER_THREAD
    assert sorted(numbers) == [f"C{i:03d}" for i in range(1, THREADS * PER_THREAD + 1)]


def test_repeated_idempotency_key_under_concurrency_gives_one_ticket(live_server_any_db):
    server = live_server_any_db
    barrier = Barrier(8)

    def issue(_: int) -> str:
        barrier.wait()
        return server.take_ticket("D", key="same-key")["id"]

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(issue, range(8)))
    assert len(ids) == 1
    assert server.take_ticket("D")["number"] == "D002"
