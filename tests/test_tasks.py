"""The task runner: work off the GUI thread, results back on it, nothing after shutdown."""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from reader.errors import ReaderError
from ui.tasks import TaskRunner


def test_results_come_back_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: list[tuple[str, str]] = []
    runner.read(lambda: threading.current_thread().name,
                lambda worker: seen.append((worker, threading.current_thread().name)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    worker, delivered = seen[0]
    assert worker != threading.main_thread().name
    assert delivered == threading.main_thread().name
    runner.shutdown()


def test_writes_run_one_at_a_time_in_order(qtbot: QtBot) -> None:
    runner = TaskRunner()
    order: list[int] = []
    running = []

    def work(n: int) -> int:
        running.append(n)
        assert len(running) == 1
        time.sleep(0.01)
        running.remove(n)
        return n

    for n in range(5):
        runner.write(lambda n=n: work(n), order.append)
    qtbot.waitUntil(lambda: len(order) == 5, timeout=5000)
    assert order == [0, 1, 2, 3, 4]
    runner.shutdown()


def test_errors_are_reported_not_raised(qtbot: QtBot) -> None:
    runner = TaskRunner()

    def fail() -> None:
        raise ReaderError("the archive is busy")

    with qtbot.waitSignal(runner.error_reported, timeout=5000) as reported:
        runner.read(fail, lambda _result: None)
    assert str(reported.args[0]) == "the archive is busy"
    runner.shutdown()


def test_nothing_is_delivered_after_shutdown(qtbot: QtBot) -> None:
    runner = TaskRunner()
    delivered: list[object] = []
    runner.read(lambda: time.sleep(0.1), delivered.append)
    runner.shutdown()
    runner.read(lambda: 1, delivered.append)
    qtbot.wait(300)
    assert delivered == []
