"""Before a run spends minutes on images and repositories: are the model endpoints up at all?

Each endpoint is asked `GET /models` (any HTTP answer, even an error status, shows a server is
there), on the same outage clock and budget (`retry_seconds`) as the calls themselves: a server still
loading its weights is waited for, one that stays down ends the run at once with the cause.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request

from sweagent.config import ModelConfig
from sweagent.errors import ModelUnavailable
from sweagent.models.outage import OutageClock

__all__ = ["POLL_SECONDS", "wait_until_up"]

POLL_SECONDS = 2.0
"""Wait between two looks at an endpoint that is not up yet."""


def _answers(base_url: str, timeout: float) -> tuple[str, str] | None:
    """None when a server answers at `base_url`, else (cause, detail) of the failure."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # it answered, with an error status: a server is there
    except TimeoutError:
        return "timeout", f"no answer from {base_url} in {timeout:g}s"
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError):
            return "timeout", f"no answer from {base_url} in {timeout:g}s"
        return "connection", f"cannot reach {base_url} ({reason})"


async def wait_until_up(config: ModelConfig, poll: float = POLL_SECONDS) -> None:
    """Return once one endpoint of `config` answers; `ModelUnavailable` after `retry_seconds` of none."""
    urls = [u for u in [config.base_url, *config.extra_base_urls] if u]
    clocks = [OutageClock(url, config.retry_seconds) for url in urls]
    timeout = min(config.timeout, 10.0)
    while clocks:
        for clock in clocks:
            started = time.monotonic()
            failure = await asyncio.to_thread(_answers, clock.url, timeout)
            if failure is None:
                clock.succeeded()
                return
            clock.failed(*failure, attempt_started=started)
        if all(clock.expired() for clock in clocks):
            reports = "; ".join(clock.report() for clock in clocks)
            msg = f"model {config.name} is unavailable: {reports}"
            raise ModelUnavailable(msg)
        left = max(clock.remaining() for clock in clocks)
        await asyncio.sleep(min(poll, left + 0.01))
