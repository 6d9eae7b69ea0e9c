"""Fitting a trajectory's conversation into the model's window by shortening its older turns.

The shared prefix (instructions, issue, context files) and the trajectory's task are never touched,
nor are the latest observation and the latest one that shows a test run (with the current diff and
the latest outputs). Older observations are cut to one line first, oldest first, then older
replies; this stops as soon as the conversation fits. When even that minimum does not fit, the
request cannot be made (`ContextLengthExceeded`): the trajectory ends as `context_exhausted`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sweagent.errors import ContextLengthExceeded
from sweagent.models.protocol import Message

__all__ = ["MESSAGE_OVERHEAD", "estimate_tokens", "fit_history", "request_limit", "shrink_limit"]

MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds per message."""
RUN_MARKER = re.compile(r"the test (exited with code|timed out)")
_ACTION = re.compile(r"<(edit|test|done|choose)\b")
_SENT_TOKENS = re.compile(r"\((\d+) in the messages")


def estimate_tokens(messages: Sequence[Message]) -> int:
    """Prompt tokens of `messages` at 4 characters a token (as the context stage counts files)."""
    return sum((len(m.get("content", "")) + 3) // 4 + MESSAGE_OVERHEAD for m in messages)


def request_limit(window: int, max_tokens: int) -> int:
    """Prompt tokens a request may hold: the window less the reply and a 5% margin for tokenizers."""
    return window - max_tokens - window // 20


def _summary(message: Message) -> str:
    text = message.get("content", "")
    lines = text.count("\n") + 1
    if message.get("role") == "assistant":
        actions = sorted(set(_ACTION.findall(text)))
        held = f"; its action: {', '.join(f'<{a}>' for a in actions)}" if actions else ""
        return f"[an earlier reply of {lines} lines, trimmed to fit the context window{held}]"
    first = text.split("\n", 1)[0][:200]
    note = f"[... the rest of this earlier output ({lines} lines) was trimmed to fit the context window]"
    return f"{first}\n{note}"


def fit_history(head: Sequence[Message], history: Sequence[Message], limit: int) -> list[Message]:
    """`history` with older turns shortened until `head` + it fits `limit` tokens."""
    fitted = [dict(m) for m in history]
    size = estimate_tokens(head) + estimate_tokens(fitted)
    if size <= limit:
        return fitted
    users = [i for i, m in enumerate(fitted) if m.get("role") == "user"]
    runs = [i for i in users if RUN_MARKER.search(fitted[i].get("content", ""))]
    keep = {len(fitted) - 1, *(users[-1:]), *(runs[-1:])}
    replies = [i for i, m in enumerate(fitted) if m.get("role") == "assistant"]
    keep.update(replies[-1:])
    order = [i for i in users if i not in keep] + [i for i in replies if i not in keep]
    for index in order:
        short = {"role": fitted[index]["role"], "content": _summary(fitted[index])}
        size += estimate_tokens([short]) - estimate_tokens([fitted[index]])
        fitted[index] = short
        if size <= limit:
            return fitted
    msg = (
        f"the prompt needs about {size} tokens even with its earlier turns shortened, and the window "
        f"leaves {limit} for it"
    )
    raise ContextLengthExceeded(msg)


def shrink_limit(limit: int, estimated: int, error: ContextLengthExceeded) -> int:
    """A smaller limit after the server rejected `estimated` tokens it counted as more."""
    counted = _SENT_TOKENS.search(str(error))
    if counted and int(counted.group(1)) > estimated > 0:
        return int(limit * estimated / int(counted.group(1)) * 0.95)
    return int(limit * 0.85)
