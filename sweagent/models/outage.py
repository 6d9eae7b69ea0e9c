"""One outage clock per endpoint, shared by every call to it.

The retry budget belongs to the endpoint, not to each call: while an endpoint fails (refused
connections, timeouts, 5xx, 429) with no success in between, every call waiting on it reads the
same clock. The outage is reported when it starts and then periodically; once every endpoint of a
model has been down for the whole budget the model is declared unavailable, and later calls fail at
once with that cause instead of each waiting out a budget of its own. One success ends an outage.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

__all__ = ["REPORT_EVERY", "OutageClock"]

logger = logging.getLogger(__name__)

REPORT_EVERY = 60.0
"""Seconds between two reports of the same outage."""

_VERBS = {
    "connection": "refused connections",
    "timeout": "did not answer in time",
}


def _describe(cause: str) -> str:
    if cause in _VERBS:
        return _VERBS[cause]
    if cause.isdigit():
        return f"answered HTTP {cause}"
    return f"failed ({cause})"


@dataclass
class OutageClock:
    """When an endpoint started failing (None while it works), and when that was last reported."""

    url: str
    budget: float
    """Seconds an endpoint may fail without a success before it is declared down."""
    report_every: float = REPORT_EVERY
    since: float | None = None
    """Monotonic time the current outage began."""
    last_success: float = field(default_factory=lambda: 0.0)
    last_cause: str = ""
    last_detail: str = ""
    _reported: float | None = None

    def failed(self, cause: str, detail: str, attempt_started: float, now: float | None = None) -> None:
        """Record one failed attempt; reports the outage when it starts and every `report_every` s."""
        now = time.monotonic() if now is None else now
        if self.since is None:
            # The server has not answered since this attempt was sent (or since the last success).
            self.since = max(attempt_started, self.last_success)
        self.last_cause, self.last_detail = cause, detail
        if self._reported is None or now - self._reported >= self.report_every:
            self._reported = now
            logger.warning("%s", self.report(now))

    def succeeded(self, now: float | None = None) -> None:
        """One answer ends the outage (reported when one was)."""
        now = time.monotonic() if now is None else now
        if self.since is not None and self._reported is not None:
            logger.warning("endpoint %s answers again after %.0f s", self.url, now - self.since)
        self.since = None
        self._reported = None
        self.last_success = now

    def down_for(self, now: float | None = None) -> float:
        """Seconds of the current outage (0 while the endpoint works)."""
        if self.since is None:
            return 0.0
        return (time.monotonic() if now is None else now) - self.since

    def expired(self, now: float | None = None) -> bool:
        """Whether the endpoint has failed for the whole budget."""
        return self.since is not None and self.down_for(now) >= self.budget

    def remaining(self, now: float | None = None) -> float:
        """Seconds of the budget left in the current outage (the whole budget while it works)."""
        return max(0.0, self.budget - self.down_for(now))

    def report(self, now: float | None = None) -> str:
        """One line: what the endpoint does and for how long retrying goes on."""
        down = self.down_for(now)
        what = _describe(self.last_cause)
        line = f"endpoint {self.url} {what}" + (f" for {down:.0f} s" if down >= 1 else "")
        if self.expired(now):
            return f"{line}; gave up after the {self.budget:g} s retry budget (last: {self.last_detail})"
        return f"{line}; retrying for up to {self.remaining(now):.0f} s more (last: {self.last_detail})"
