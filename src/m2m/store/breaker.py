"""A circuit breaker: after a failure, skip the store for a back-off that doubles while it keeps
failing, letting one probe call through each time the back-off ends.

    closed --failure--> open(backoff) --backoff over--> one probe --success--> closed
                             ^                               |
                             +-------failure (doubled)-------+

Only the first failure while closed and a failed probe move the state: calls that were already in
flight when the store went away fail too, and must not stretch the back-off once each. Pure: the
caller passes ``now``.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["DEFAULT_BACKOFF", "DEFAULT_MAX_BACKOFF", "CircuitBreaker", "Ticket"]

# Long enough that a dead store costs one timeout per back-off, not one per request; short enough
# that a store back after a blip is used again within a second.
DEFAULT_BACKOFF: Final = 0.25
# A store down for long is still probed twice a minute, so it is used again soon after it is back.
DEFAULT_MAX_BACKOFF: Final = 30.0


class Ticket(enum.Enum):
    """What :meth:`CircuitBreaker.admit` allows one call."""

    DENY = 0  # skip the store
    PASS = 1  # the store is believed up
    PROBE = 2  # the store was down; this call finds out whether it is back


class CircuitBreaker:
    __slots__ = ("_backoff", "_max", "_open_until", "_probing", "backoff", "is_open", "opens")

    def __init__(self, *, backoff: float = DEFAULT_BACKOFF, max_backoff: float = DEFAULT_MAX_BACKOFF) -> None:
        if backoff <= 0 or max_backoff < backoff:
            raise ValueError("need 0 < backoff <= max_backoff")
        self._backoff = backoff
        self._max = max_backoff
        self.is_open = False
        self.backoff = 0.0  # the current back-off; 0 while closed
        self._open_until = 0.0
        self._probing = False
        self.opens = 0

    def admit(self, now: float) -> Ticket:
        if not self.is_open:
            return Ticket.PASS
        if self._probing or now < self._open_until:
            return Ticket.DENY
        self._probing = True
        return Ticket.PROBE

    def blocks(self, now: float) -> bool:
        """True when :meth:`admit` would deny now (without taking the probe)."""
        return self.is_open and (self._probing or now < self._open_until)

    def success(self, ticket: Ticket) -> None:
        # A late success of a call admitted before the store failed says little; the probe decides.
        if ticket is Ticket.PROBE:
            self.is_open = False
            self.backoff = 0.0
            self._probing = False

    def failure(self, ticket: Ticket, now: float) -> None:
        if ticket is Ticket.PROBE:
            self.backoff = min(self.backoff * 2, self._max)
        elif ticket is Ticket.PASS and not self.is_open:
            self.backoff = self._backoff
            self.is_open = True
            self.opens += 1
        else:
            return
        self._probing = False
        self._open_until = now + self.backoff

    def release(self, ticket: Ticket) -> None:
        """The call ended without telling (e.g. its caller was cancelled): let another probe."""
        if ticket is Ticket.PROBE:
            self._probing = False

    def reset(self) -> None:
        """The store answered outside the admitted calls (a readiness ping): close."""
        self.is_open = False
        self.backoff = 0.0
        self._probing = False
