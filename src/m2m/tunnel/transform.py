"""Body transforms: what a relay applies to a response body as it passes, chunk by chunk.

A transform turns input chunks into output bytes (``feed``), says what ends the output
(``finish``, which raises when the input stopped where it must not), and what ends it after a
failure (``fail``: an SSE ``event: error`` for streams, nothing for other bodies, which are then
cut so the receiver sees a broken body, never a short one that looks whole). Transforms compose
with :class:`Chain`; the relay in the proxy and the httpx transports of ``m2m.client`` drive them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from m2m.errors import LimitExceededError, M2MError
from m2m.sse import Event, SSEParser, encode_event

__all__ = ["Buffered", "Chain", "EventMap", "Identity", "Job", "OverBudget", "Transform", "error_event"]


class Transform(Protocol):
    # True when the output comes only at ``finish`` (the relay then sends a Content-Length).
    buffers: bool

    def feed(self, chunk: bytes) -> bytes: ...

    def finish(self) -> bytes: ...

    def fail(self, error: M2MError) -> bytes: ...


def error_event(error: M2MError) -> bytes:
    """The SSE event that ends a stream that failed: OpenAI's error JSON as ``event: error``."""
    return encode_event(json.dumps(error.to_openai(), ensure_ascii=False), event="error")


class OverBudget(Exception):
    """A body decodes to more than the budget it was given: an adapter that decodes small bodies
    where it is (its event loop) decodes this one again, with the full limit, elsewhere."""


class Job(NamedTuple):
    """Heavy work as data, for an adapter to run where it likes (another process): ``run`` is a
    picklable top-level function, called as ``run(*args, **kwargs)``; ``done`` turns its result
    into the output where the transform lives (None: the result is the output)."""

    run: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    done: Callable[[Any], bytes] | None = None


class Identity:
    """Bytes through unchanged."""

    __slots__ = ()
    buffers = False

    def feed(self, chunk: bytes) -> bytes:
        return chunk

    def finish(self) -> bytes:
        return b""

    def fail(self, error: M2MError) -> bytes:
        return b""


class Buffered:
    """Collects the whole body (at most ``limit`` bytes), then ``apply`` turns it into the output.

    ``within(body, budget)``: the output if it fits ``budget`` bytes, else :class:`OverBudget`
    (see :meth:`finish_within`); ``job(body)``: the same work as ``apply`` as a :class:`Job`
    (see :meth:`finish_job`)."""

    __slots__ = ("_apply", "_job", "_limit", "_parts", "_size", "_what", "_within")
    buffers = True

    def __init__(
        self,
        apply: Callable[[bytes], bytes],
        *,
        limit: int,
        what: str = "response body",
        within: Callable[[bytes, int], bytes] | None = None,
        job: Callable[[bytes], Job] | None = None,
    ) -> None:
        self._apply = apply
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._what = what
        self._within = within
        self._job = job

    def finish_job(self) -> Job | None:
        """What :meth:`finish` does, as a job to run elsewhere (its ``done`` gives the output); None
        when there is no ``job`` (then :meth:`finish` is still to be called)."""
        if self._job is None:
            return None
        body = b"".join(self._parts)
        self._parts = []
        return self._job(body)

    def finish_within(self, budget: int) -> bytes | None:
        """What :meth:`finish` gives, if ``within`` can make it in ``budget`` output bytes; else
        None, and :meth:`finish` is still to be called (an expanding body, or no ``within``)."""
        if self._within is None:
            return None
        body = b"".join(self._parts)
        try:
            out = self._within(body, budget)
        except OverBudget:
            return None
        self._parts = []
        return out

    def feed(self, chunk: bytes) -> bytes:
        self._size += len(chunk)
        if self._size > self._limit:
            raise LimitExceededError(f"{self._what} is over the {self._limit}-byte limit")
        self._parts.append(chunk)
        return b""

    def finish(self) -> bytes:
        body = b"".join(self._parts)
        self._parts = []
        return self._apply(body)

    def fail(self, error: M2MError) -> bytes:
        return b""


class EventMap:
    """An SSE stream event by event: ``apply`` maps each parsed event to the bytes to send (an
    event's ``raw`` is its exact input bytes); ``end`` gives what follows the last event when the
    stream ended normally. A stream that ends inside an event is an error, not an end."""

    __slots__ = ("_apply", "_end", "_parser")
    buffers = False

    def __init__(
        self,
        apply: Callable[[Event], bytes],
        *,
        end: Callable[[], bytes] | None = None,
        max_event_bytes: int,
    ) -> None:
        self._parser = SSEParser(max_event_bytes=max_event_bytes)
        self._apply = apply
        self._end = end

    def feed(self, chunk: bytes) -> bytes:
        events = self._parser.feed(chunk)
        if not events:
            return b""
        apply = self._apply
        if len(events) == 1:
            return apply(events[0])
        return b"".join([apply(e) for e in events])

    def finish(self) -> bytes:
        if self._parser.in_event():
            from m2m.errors import UpstreamUnavailableError

            raise UpstreamUnavailableError("the stream closed in the middle of an event")
        return self._end() if self._end is not None else b""

    def fail(self, error: M2MError) -> bytes:
        return error_event(error)


class Chain:
    """Transforms applied one after the other; a failure is ended by the last one that can say so,
    passed through those after it."""

    __slots__ = ("_steps", "buffers")

    def __init__(self, steps: Sequence[Transform]) -> None:
        self._steps = tuple(steps)
        self.buffers = any(step.buffers for step in self._steps)

    def feed(self, chunk: bytes) -> bytes:
        for step in self._steps:
            if not chunk:
                return b""
            chunk = step.feed(chunk)
        return chunk

    def finish(self) -> bytes:
        out = b""
        for step in self._steps:
            out = step.feed(out) if out else b""
            out += step.finish()
        return out

    def fail(self, error: M2MError) -> bytes:
        steps = self._steps
        for i in range(len(steps) - 1, -1, -1):
            out = steps[i].fail(error)
            if out:
                for later in steps[i + 1 :]:
                    out = later.feed(out) + later.finish()
                return out
        return b""
