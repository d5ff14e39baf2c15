"""One dispatch wake-up waits in the queue at a time (messaging/services/intake.py): commits that
come while it waits add none, the dispatch task takes the flag down as it starts, and a wake-up that
never reached the queue does not hold the next one back."""

import pytest

from messaging.services import intake
from messaging.tasks import dispatch


class Queue:
    """What reached the queue (the task is not run); `down` makes the queue refuse."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.down = False

    def enqueue_now(self, task, *args) -> int:
        if self.down:
            return 0
        self.calls.append(task)
        return 1


@pytest.fixture
def queue(monkeypatch):
    queue = Queue()
    monkeypatch.setattr(intake, "enqueue_now", queue.enqueue_now)
    intake.dispatch_woken()
    yield queue
    intake.dispatch_woken()


def test_commits_while_a_wake_up_waits_queue_no_other(queue):
    for _ in range(5):
        intake.dispatch_wake()
    assert queue.calls == ["messaging.tasks.dispatch"]


@pytest.mark.django_db
def test_once_the_dispatch_task_starts_the_next_commit_wakes_it_again(queue):
    intake.dispatch_wake()
    dispatch.call_local()  # the waiting task runs: it takes the flag down first
    intake.dispatch_wake()
    assert queue.calls == ["messaging.tasks.dispatch"] * 2


def test_a_wake_up_the_queue_refused_does_not_hold_the_next_back(queue):
    queue.down = True
    intake.dispatch_wake()
    queue.down = False
    intake.dispatch_wake()
    assert queue.calls == ["messaging.tasks.dispatch"]
