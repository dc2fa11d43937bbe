"""The job record: its named status transitions (legal and illegal) and its encodings."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from gpu_worker.jobs import DeadLetter, IllegalTransition, Job, JobStatus, MalformedEntry, created_at, id_floor

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
    done = Job.new("studio", "studio/1.jpg").start().fail("x").start().finish(["studio/i/a,b.jpg", "studio/i/400.jpg"])
    assert Job.from_hash(done.id, done.to_hash()) == done  # a comma inside a key survives
    queued = Job.new("studio", "studio/2.jpg")
    assert Job.from_entry(queued.to_entry()) == queued
    dead = DeadLetter("1-0", queued.to_entry(), "gave up", 5)
    assert DeadLetter.from_entry(dead.to_entry()) == dead
    assert dead.job() == queued


def test_new_jobs_get_distinct_ids_and_start_queued() -> None:
    first, second = Job.new("studio", "studio/a.jpg"), Job.new("studio", "studio/b.jpg")
    assert first.id != second.id
    assert (first.status, first.attempts, first.outputs, first.error) == (Q, 0, (), "")


def test_the_server_derives_the_output_prefix_from_the_tenant_and_the_id() -> None:
    job = Job.new("studio-a", "studio-a/wedding/001.jpg")
    assert (job.tenant, job.output) == ("studio-a", f"studio-a/{job.id}")
    assert job.output_key("full") == f"studio-a/{job.id}/full.jpg"
    with pytest.raises(ValueError, match="not under the tenant's prefix studio-a/"):
        Job.new("studio-a", "studio-b/wedding/001.jpg")


def test_job_ids_are_unguessable_and_sort_by_creation_time() -> None:
    before = datetime.now(UTC)
    ids = []
    for _ in range(3):
        ids.append(Job.new("s1", "s1/a.jpg").id)
        time.sleep(0.002)
    randoms = {Job.new("s1", "s1/a.jpg").id[12:] for _ in range(2000)}
    assert ids == sorted(ids) and len(randoms) == 2000  # 80 random bits: no collision in 2,000
    assert before - timedelta(seconds=1) < created_at(ids[0]) <= datetime.now(UTC)
    assert id_floor(created_at(ids[1])) <= ids[1] < id_floor(created_at(ids[1]) + timedelta(milliseconds=1))


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
