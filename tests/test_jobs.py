"""The job record: its named status transitions (legal and illegal) and its encodings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gpu_worker.jobs import DeadLetter, IllegalTransition, Job, JobStatus, MalformedEntry

Q, P, F, D, X = (
    JobStatus.QUEUED,
    JobStatus.PROCESSING,
    JobStatus.FAILED,
    JobStatus.DONE,
    JobStatus.DEAD_LETTERED,
)
TRANSITIONS: dict[str, Callable[[Job], Job]] = {
    "start": Job.start,
    "finish": lambda job: job.finish(["out/1/full.jpg"]),
    "fail": lambda job: job.fail("not a readable JPEG"),
    "dead_letter": lambda job: job.dead_letter("gave up"),
}
# The whole state machine, written out: (from, transition) -> to. Every other pair is illegal.
LEGAL = {
    (Q, "start"): P,
    (Q, "dead_letter"): X,  # delivered too often without an attempt ever being recorded
    (P, "start"): P,  # a crashed worker's job, reclaimed by another
    (P, "finish"): D,
    (P, "fail"): F,
    (P, "dead_letter"): X,
    (F, "start"): P,  # the retry
    (F, "dead_letter"): X,
}


def _job(status: JobStatus = Q) -> Job:
    return Job("0" * 32, "gallery/1.jpg", "out/1", status=status)


@pytest.mark.parametrize("status", list(JobStatus))
@pytest.mark.parametrize("transition", list(TRANSITIONS))
def test_only_the_named_transitions_are_legal(status: JobStatus, transition: str) -> None:
    job = _job(status)
    if (status, transition) in LEGAL:
        assert TRANSITIONS[transition](job).status == LEGAL[status, transition]
    else:
        with pytest.raises(IllegalTransition, match=f"cannot go from {status} to"):
            TRANSITIONS[transition](job)


def test_done_and_dead_lettered_are_final_and_nothing_else_is() -> None:
    assert {status for status in JobStatus if status.final} == {D, X}


def test_a_job_that_fails_then_succeeds_keeps_count_and_clears_its_error() -> None:
    failed = _job().start().fail("cannot read input: timeout")
    assert (failed.status, failed.attempts, failed.error) == (F, 1, "cannot read input: timeout")
    done = failed.start().finish(["out/1/full.jpg", "out/1/400.jpg"])
    assert (done.status, done.attempts, done.error) == (D, 2, "")
    assert done.outputs == ("out/1/full.jpg", "out/1/400.jpg")


def test_a_transition_returns_a_new_record_and_leaves_the_old_one() -> None:
    queued = _job()
    started = queued.start()
    assert queued.status == Q and queued.attempts == 0
    assert started.status == P and started.attempts == 1


def test_output_keys_are_under_the_prefix() -> None:
    assert Job("0" * 32, "a.jpg", "out/1/").output_key("full") == "out/1/full.jpg"


def test_records_entries_and_dead_letters_round_trip() -> None:
    done = Job.new("gallery/1.jpg", "out/1").start().fail("x").start().finish(["out/1/a,b.jpg", "out/1/400.jpg"])
    assert Job.from_hash(done.id, done.to_hash()) == done  # a comma inside a key survives
    queued = Job.new("gallery/2.jpg", "out/2")
    assert Job.from_entry(queued.to_entry()) == queued
    dead = DeadLetter("1-0", queued.to_entry(), "gave up", 5)
    assert DeadLetter.from_entry(dead.to_entry()) == dead
    assert dead.job() == queued


def test_new_jobs_get_distinct_ids_and_start_queued() -> None:
    first, second = Job.new("a.jpg", "o/a"), Job.new("b.jpg", "o/b")
    assert first.id != second.id
    assert (first.status, first.attempts, first.outputs, first.error) == (Q, 0, (), "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"input": "a.jpg"}, "lacks job, output"),
        ({"job": "0" * 32, "input": "a.jpg", "output": ""}, "lacks output"),
        ({"job": "../../etc", "input": "a.jpg", "output": "o"}, "malformed job id '../../etc'"),
    ],
)
def test_an_entry_that_describes_no_job_is_refused_with_the_reason(fields: dict[str, str], message: str) -> None:
    with pytest.raises(MalformedEntry, match=message):
        Job.from_entry(fields)
