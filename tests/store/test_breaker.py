"""The circuit breaker, with the clock passed in."""

from __future__ import annotations

import pytest

from m2m.store.breaker import CircuitBreaker, Ticket


def test_closed_admits_everything():
    breaker = CircuitBreaker(backoff=1.0, max_backoff=8.0)
    assert [breaker.admit(t) for t in (0, 1, 2)] == [Ticket.PASS] * 3
    breaker.success(Ticket.PASS)
    assert not breaker.is_open and not breaker.blocks(0)


def test_failure_opens_for_the_backoff_then_one_probe():
    breaker = CircuitBreaker(backoff=1.0, max_backoff=8.0)
    breaker.failure(breaker.admit(10.0), 10.0)
    assert breaker.is_open and breaker.opens == 1 and breaker.backoff == 1.0
    assert breaker.admit(10.5) is Ticket.DENY and breaker.blocks(10.5)
    assert not breaker.blocks(11.0)
    assert breaker.admit(11.0) is Ticket.PROBE
    # Only one probe at a time.
    assert breaker.admit(11.0) is Ticket.DENY and breaker.blocks(11.0)
    breaker.success(Ticket.PROBE)
    assert not breaker.is_open and breaker.backoff == 0
    assert breaker.admit(11.1) is Ticket.PASS


def test_failed_probes_double_the_backoff_up_to_the_cap():
    breaker = CircuitBreaker(backoff=1.0, max_backoff=4.0)
    now = 0.0
    breaker.failure(breaker.admit(now), now)
    seen = []
    for _ in range(5):
        now += breaker.backoff
        ticket = breaker.admit(now)
        assert ticket is Ticket.PROBE
        breaker.failure(ticket, now)
        seen.append(breaker.backoff)
    assert seen == [2.0, 4.0, 4.0, 4.0, 4.0]
    assert breaker.opens == 1


def test_failures_of_calls_already_in_flight_do_not_stretch_the_backoff():
    breaker = CircuitBreaker(backoff=1.0, max_backoff=8.0)
    tickets = [breaker.admit(0.0) for _ in range(10)]
    for ticket in tickets:
        breaker.failure(ticket, 0.0)
    assert breaker.backoff == 1.0 and breaker.opens == 1
    # A late success of a call admitted before the failure does not close it either.
    breaker.success(Ticket.PASS)
    assert breaker.is_open


def test_a_cancelled_probe_lets_the_next_call_probe():
    breaker = CircuitBreaker(backoff=1.0, max_backoff=8.0)
    breaker.failure(breaker.admit(0.0), 0.0)
    probe = breaker.admit(1.0)
    assert probe is Ticket.PROBE
    breaker.release(probe)
    assert breaker.admit(1.0) is Ticket.PROBE


def test_reset_closes():
    breaker = CircuitBreaker(backoff=1.0, max_backoff=8.0)
    breaker.failure(Ticket.PASS, 0.0)
    breaker.reset()
    assert breaker.admit(0.1) is Ticket.PASS


@pytest.mark.parametrize(("backoff", "cap"), [(0, 1), (-1, 1), (2, 1)])
def test_bad_bounds(backoff, cap):
    with pytest.raises(ValueError):
        CircuitBreaker(backoff=backoff, max_backoff=cap)
