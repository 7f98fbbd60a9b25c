"""Server-sent events: a sans-IO incremental parser and an encoder.

Framing follows the WHATWG HTML standard, section 9.2.6 "Interpreting an event stream": lines end
in CRLF, LF or CR; a blank line ends an event; ``:`` starts a comment; fields ``event``, ``data``
(repeatable, joined with LF), ``id`` (ignored if it contains NUL) and ``retry`` (digits only); one
space after the colon is dropped; a leading UTF-8 BOM is skipped. Bytes may arrive split anywhere,
including between the CR and LF of one line end.

Each :class:`Event` keeps ``raw``: the exact bytes it was parsed from, so a relay can forward the
upstream's bytes unchanged. The ``raw`` of all events, followed by :meth:`SSEParser.pending`, is
always the input stream.

Bounded: an event (and so any line) longer than ``max_event_bytes`` raises
:class:`~m2m.errors.LimitExceededError`, and bytes already searched for a line end are never
searched again, so a line that never ends costs linear time, not quadratic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from m2m.errors import LimitExceededError

__all__ = ["MAX_EVENT_BYTES", "Event", "SSEParser", "encode_event", "reencode"]

# Far above any text event; Responses API image events carry base64 images of a few MiB.
MAX_EVENT_BYTES = 16 * 1024 * 1024

_EOL = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Event:
    """One parsed block. ``data`` is None when the block had no data line (only comments/fields);
    per the standard such a block dispatches no message, but a relay still forwards it."""

    data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)
    raw: bytes = b""


class SSEParser:
    """Feed bytes as they arrive; get the events completed so far."""

    __slots__ = (
        "_buf",
        "_comments",
        "_data",
        "_event",
        "_id",
        "_pos",
        "_retry",
        "_searched",
        "_seen",
        "_skip_lf",
        "_started",
        "max_event_bytes",
    )

    def __init__(self, *, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self._buf = bytearray()
        self._pos = 0  # where the next unparsed line starts, relative to _buf
        self._searched = 0  # bytes from _pos on known to hold no line end
        self._skip_lf = False  # the last line ended in CR at the end of a read: a LF may follow
        self._started = False
        self._reset()

    def _reset(self) -> None:
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._id: bytes | None = None
        self._retry: int | None = None
        self._comments: list[bytes] = []
        self._seen = False  # a line other than blank since the last event

    def feed(self, chunk: bytes) -> list[Event]:
        buf = self._buf
        buf += chunk
        pos = self._pos
        end = len(buf)
        if not self._started:
            if end < 3 and _BOM.startswith(bytes(buf)):
                return []
            self._started = True
            if buf[:3] == _BOM:
                pos = 3
        if self._skip_lf and pos < end:
            self._skip_lf = False
            if buf[pos] == 0x0A:
                pos += 1
                self._searched = 0
        events: list[Event] = []
        start = 0  # start of the raw bytes of the event being read
        search = _EOL.search
        while pos < end:
            m = search(buf, pos + self._searched)
            if m is None:
                self._searched = end - pos
                break
            self._searched = 0
            line = buf[pos : m.start()]
            pos = m.end()
            if pos == end and buf[pos - 1] == 0x0D:
                self._skip_lf = True
            if not line:
                if self._seen:
                    events.append(self._dispatch(bytes(buf[start:pos])))
                    start = pos
                continue
            self._seen = True
            self._field(line)
        if start:
            del buf[:start]
            pos -= start
        self._pos = pos
        if len(buf) > self.max_event_bytes:
            raise LimitExceededError(f"an SSE event is over the {self.max_event_bytes}-byte limit")
        return events

    def _field(self, line: bytearray) -> None:
        if line[0] == 0x3A:  # ":" comment
            self._comments.append(bytes(line[1:]))
            return
        colon = line.find(b":")
        if colon < 0:
            name, value = bytes(line), b""
        else:
            name = bytes(line[:colon])
            skip = colon + 2 if line[colon + 1 : colon + 2] == b" " else colon + 1
            value = bytes(line[skip:])
        if name == b"data":
            self._data.append(value)
        elif name == b"event":
            self._event = value
        elif name == b"id" and b"\0" not in value:
            self._id = value
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)

    def _dispatch(self, raw: bytes) -> Event:
        data = b"\n".join(self._data).decode("utf-8", "replace") if self._data else None
        event = Event(
            data=data,
            event=self._event.decode("utf-8", "replace") if self._event is not None else None,
            id=self._id.decode("utf-8", "replace") if self._id is not None else None,
            retry=self._retry,
            comments=[c.decode("utf-8", "replace") for c in self._comments],
            raw=raw,
        )
        self._reset()
        return event

    def in_event(self) -> bool:
        """True when an event has started but not ended (a stream ending now would lose it)."""
        return self._seen or self._pos < len(self._buf)

    def pending(self) -> bytes:
        """Bytes of an event not yet finished (dropped by the standard if the stream ends here)."""
        return bytes(self._buf)


_NEWLINES = re.compile(r"\r\n|\r|\n")


def encode_event(
    data: str | None = None,
    *,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comments: Iterable[str] = (),
) -> bytes:
    """One SSE event as bytes (LF line ends, terminated by a blank line)."""
    parts: list[str] = [f":{c}\n" for c in comments]
    if event is not None:
        parts.append(f"event: {event}\n")
    if id is not None:
        parts.append(f"id: {id}\n")
    if retry is not None:
        parts.append(f"retry: {retry}\n")
    if data is not None:
        parts.extend(f"data: {line}\n" for line in _NEWLINES.split(data))
    parts.append("\n")
    return "".join(parts).encode()


def reencode(event: Event, data: str | None) -> bytes:
    """``event`` with its data replaced, other fields kept."""
    return encode_event(data, event=event.event, id=event.id, retry=event.retry, comments=event.comments)
