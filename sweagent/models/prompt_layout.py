"""Prompt layout for the prefix cache: what every trajectory of an instance shares comes first.

vLLM (and llama.cpp) reuse the computed prefix of a prompt when a later prompt starts with the same
tokens. So the large shared part (instructions, issue, context files) is rendered first, the same
bytes for every trajectory, and the per-trajectory part (the stage's task, the sample's history)
after it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property

from sweagent.models.protocol import Message
from sweagent.records import Record

__all__ = ["SharedPrompt", "layout_messages", "render_files", "shared_prefix_fraction"]


def _normalized(text: str) -> str:
    # Line endings and trailing blanks must not make two renders of the same input differ.
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip("\n")


def render_files(files: Sequence[tuple[str, str]]) -> str:
    """Context files, in the given (ranked) order, each under its path in a fenced block."""
    return "\n\n".join(f"### {path}\n```\n{_normalized(content)}\n```" for path, content in files)


class SharedPrompt(Record):
    """The part of every prompt of one instance that all its trajectories share."""

    instructions: str
    """The task and the output grammar, common to the trajectories that share this prompt."""
    issue: str
    """The problem statement."""
    files: tuple[tuple[str, str], ...] = ()
    """(path, content) of the context files, most relevant first."""

    @cached_property
    def rendered(self) -> str:
        """The shared text, rendered once per record: every turn of every trajectory reuses it."""
        return self.render()

    def render(self) -> str:
        """The shared text; the same input renders to the same bytes."""
        parts = [_normalized(self.instructions), "# Issue\n\n" + _normalized(self.issue)]
        if self.files:
            parts.append("# Code\n\n" + render_files(self.files))
        return "\n\n".join(parts) + "\n"


def layout_messages(shared: SharedPrompt, specific: str, history: Sequence[Message] = ()) -> list[Message]:
    """Messages for one trajectory: the shared system message, then its own task, then its turns.

    Nothing that differs between trajectories (sample index, kind-specific task, earlier turns)
    may go into `shared`; it goes into `specific` or `history`, after the shared prefix.
    """
    messages: list[Message] = [
        {"role": "system", "content": shared.rendered},
        {"role": "user", "content": _normalized(specific)},
    ]
    messages.extend(dict(m) for m in history)
    return messages


def _serialized(prompt: str | Sequence[Message]) -> str:
    if isinstance(prompt, str):
        return prompt
    return "".join(f"<|{m.get('role', '')}|>\n{m.get('content', '')}\n" for m in prompt)


def shared_prefix_fraction(prompts: Sequence[str | Sequence[Message]]) -> float:
    """Characters of the prefix common to all prompts over their mean length (0..1).

    It estimates how much of a set of prompts a prefix cache serves; one prompt counts as 1.
    """
    texts = [_serialized(p) for p in prompts]
    if not texts:
        return 0.0
    mean = sum(len(t) for t in texts) / len(texts)
    if mean == 0:
        return 1.0
    return len(os.path.commonprefix(texts)) / mean
