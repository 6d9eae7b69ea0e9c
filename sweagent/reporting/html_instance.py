"""What one instance's section of report.html shows, as plain rows for templates/instance.html.j2.

The markup lives in the template; the environment (html_page.py) autoescapes every value there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sweagent.records import Trajectory
from sweagent.reporting.loading import InstanceRun
from sweagent.reporting.metrics import sample_outcomes

__all__ = [
    "TEXT_LIMIT",
    "CandidateRow",
    "TurnRow",
    "candidate_rows",
    "diff_lines",
    "shorten",
    "sort_trajectories",
    "turn_rows",
]

TEXT_LIMIT = 20_000
"""Characters of one message, observation or script shown; the middle of a longer one is cut."""


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text`, or its head and tail with a note of what was cut (a long run's page stays openable)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    note = f"[... {len(text) - 2 * half} characters cut; the run's JSON files hold them ...]"
    return f"{text[:half]}\n{note}\n{text[-half:]}"


def diff_lines(patch: str) -> list[tuple[str, str]]:
    """Each line of a unified diff with its class: meta, hunk, add, del or ctx."""
    lines = []
    for line in patch.splitlines():
        if line.startswith(("+++", "---", "diff --git", "index ")):
            kind = "meta"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        lines.append((kind, line))
    return lines


@dataclass(frozen=True)
class CandidateRow:
    id: str
    patch: str
    status: str
    """The candidate's evaluation status, or `not evaluated`."""
    sources: list[str]
    """The editing samples that ended on it, else the trajectory that first wrote it."""
    chosen_by: list[str]
    detail: str


def candidate_rows(instance: InstanceRun) -> list[CandidateRow]:
    """The instance's candidates in stored order, with who wrote and who chose each."""
    if instance.generation is None:
        return []
    picked: dict[str, list[str]] = {}
    for name, selection in instance.selections.items():
        if selection.candidate_id:
            picked.setdefault(selection.candidate_id, []).append(name)
    ended_on: dict[str, list[str]] = {}
    for outcome in sample_outcomes(instance):
        if outcome.candidate_id:
            ended_on.setdefault(outcome.candidate_id, []).append(f"editing-{outcome.sample}")
    rows = []
    for candidate in instance.generation.candidates:
        evaluation = instance.evals.get(candidate.id)
        rows.append(
            CandidateRow(
                id=candidate.id,
                patch=candidate.patch,
                status=evaluation.status if evaluation else "not evaluated",
                sources=ended_on.get(candidate.id, [candidate.source]),
                chosen_by=picked.get(candidate.id, []),
                detail=evaluation.detail if evaluation else "",
            )
        )
    return rows


def _trajectory_order(name: str) -> tuple[int, int, str]:
    kind, _, sample = name.partition("-")
    return ({"testing": 0, "editing": 1}.get(kind, 2), int(sample) if sample.isdigit() else 0, name)


def sort_trajectories(trajectories: Mapping[str, Trajectory]) -> list[str]:
    """Trajectory names: testing before editing before the rest, samples in numeric order."""
    return sorted(trajectories, key=_trajectory_order)


@dataclass(frozen=True)
class TurnRow:
    number: int
    """1-based."""
    action: str
    tokens: int
    messages: list[dict[str, str]]
    observation: str
    """Empty when a message already shows it."""
    script: str
    """Empty when unchanged since the previous turn."""
    patch: str
    """Empty when unchanged since the previous turn."""


def turn_rows(trajectory: Trajectory) -> list[TurnRow]:
    """The trajectory's turns, each showing only what it added to the previous one."""
    rows = []
    previous_script: str | None = None
    previous_patch: str | None = None
    for number, turn in enumerate(trajectory.turns, 1):
        shown = all(m.get("content") != turn.observation for m in turn.messages)
        rows.append(
            TurnRow(
                number=number,
                action=turn.action,
                tokens=turn.usage.prompt_tokens + turn.usage.completion_tokens,
                messages=[dict(m) for m in turn.messages],
                observation=turn.observation if turn.observation and shown else "",
                script=turn.script if turn.script and turn.script != previous_script else "",
                patch=turn.patch if turn.patch and turn.patch != previous_patch else "",
            )
        )
        previous_script, previous_patch = turn.script, turn.patch
    return rows
