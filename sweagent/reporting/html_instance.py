"""One instance's section of report.html: context, candidates, test matrix, selections, trajectories.

Everything shown comes from repositories and models, so every piece of text goes through `esc`.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sweagent.records import Trajectory
from sweagent.reporting.loading import InstanceRun
from sweagent.reporting.metrics import covered, sample_outcomes

__all__ = ["TEXT_LIMIT", "diff_block", "esc", "instance_section", "shorten"]


def esc(value: object) -> str:
    """Text made inert for HTML content and attribute values."""
    return escape(str(value), quote=True)


def diff_block(patch: str) -> str:
    """A unified diff as <pre>, one span per line, classed by what the line does."""
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
        lines.append(f'<span class="{kind}">{esc(line)}</span>')
    # Each line is a block: no newline between them, or every line would be followed by a blank one.
    return '<pre class="diff">' + "".join(lines) + "</pre>"


TEXT_LIMIT = 20_000
"""Characters of one message, observation or script shown; the middle of a longer one is cut."""


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text`, or its head and tail with a note of what was cut (a long run's page stays openable)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    note = f"[... {len(text) - 2 * half} characters cut; the run's JSON files hold them ...]"
    return f"{text[:half]}\n{note}\n{text[-half:]}"


def _pre(text: str) -> str:
    return f"<pre>{esc(shorten(text))}</pre>"


def _details(summary: str, body: str, classes: str = "") -> str:
    return f'<details class="{classes}"><summary>{summary}</summary>{body}</details>'


def instance_section(index: int, instance: InstanceRun, resolved: bool) -> str:
    result = instance.result or {}
    facts = [
        f"status: <b>{esc(result.get('status', 'not evaluated'))}</b>",
        f"covered: {'yes' if covered(instance) else 'no'}",
        f"resolved: {'yes' if resolved else 'no'}",
    ]
    for key in ("fail_to_pass", "pass_to_pass"):
        count = result.get(key)
        if isinstance(count, dict):
            facts.append(f"{key}: {esc(count.get('passed'))}/{esc(count.get('total'))}")
    parts = [
        f'<section class="instance" id="instance-{index}" data-instance="{esc(instance.instance_id)}">',
        f"<h2>{esc(instance.instance_id)}</h2>",
        f'<p class="facts">{" · ".join(facts)}</p>',
    ]
    if instance.problems:
        parts.append(
            "<ul class='missing'>" + "".join(f"<li>{esc(p)}</li>" for p in instance.problems) + "</ul>"
        )
    parts += [_context(instance), _candidates(instance), _test_matrix(instance), _selections(instance)]
    parts.append(_trajectories(instance))
    parts.append("</section>")
    return "\n".join(parts)


def _context(instance: InstanceRun) -> str:
    context = instance.context
    if context is None:
        return "<h3>Context</h3><p class='absent'>context.json is missing.</p>"
    recall = "n/a" if context.recall is None else f"{100 * context.recall:.1f}%"
    rows = "".join(f"<tr><td>{esc(f.path)}</td><td>{f.tokens}</td></tr>" for f in context.files)
    note = f"<p>{esc(context.note)}</p>" if context.note else ""
    head = f"provider {esc(context.provider)} · budget {context.budget} · recall {recall}"
    head += f" · {len(context.files)} files"
    table = f"<table><tr><th>file</th><th>tokens</th></tr>{rows}</table>"
    return "<h3>Context</h3>" + _details(head, note + table)


def _candidates(instance: InstanceRun) -> str:
    generation = instance.generation
    if generation is None:
        return "<h3>Candidates</h3><p class='absent'>candidates.json is missing.</p>"
    picked: dict[str, list[str]] = {}
    for name, selection in instance.selections.items():
        if selection.candidate_id:
            picked.setdefault(selection.candidate_id, []).append(name)
    ended_on: dict[str, list[str]] = {}
    for outcome in sample_outcomes(instance):
        if outcome.candidate_id:
            ended_on.setdefault(outcome.candidate_id, []).append(f"editing-{outcome.sample}")
    items = []
    for candidate in generation.candidates:
        evaluation = instance.evals.get(candidate.id)
        status = evaluation.status if evaluation else "not evaluated"
        chosen = f" · chosen by {esc(', '.join(picked[candidate.id]))}" if candidate.id in picked else ""
        sources = ", ".join(ended_on.get(candidate.id, [candidate.source]))
        summary = (
            f"<code>{esc(candidate.id)}</code> · from {esc(sources)} · "
            f'<span class="status-{esc(status)}">{esc(status)}</span>{chosen}'
        )
        detail = f"<p>{esc(evaluation.detail)}</p>" if evaluation and evaluation.detail else ""
        items.append(_details(summary, detail + diff_block(candidate.patch), "candidate"))
    tests = [
        _details(f"test <code>{esc(t.id)}</code> · {esc(t.source)}", _pre(t.content), "test")
        for t in generation.tests
    ]
    empty = "<p class='absent'>No candidates.</p>" if not items else ""
    return "<h3>Candidates</h3>" + empty + "".join(items) + "<h3>Tests</h3>" + "".join(tests)


def _test_matrix(instance: InstanceRun) -> str:
    matrix = instance.test_matrix
    if matrix is None:
        return "<h3>Test matrix</h3><p class='absent'>test_matrix.json is missing.</p>"
    header = "".join(f"<th><code>{esc(t)}</code></th>" for t in matrix.tests)
    rows = []
    for cid in ("original", *matrix.candidates):
        outcomes = matrix.outcomes.get(cid, {})
        cells = "".join(
            f'<td class="outcome-{esc(outcomes.get(t, "none"))}">{esc(outcomes.get(t, "-"))}</td>'
            for t in matrix.tests
        )
        rows.append(f"<tr><th><code>{esc(cid)}</code></th>{cells}</tr>")
    table = f"<table class='matrix'><tr><th>candidate \\ test</th>{header}</tr>{''.join(rows)}</table>"
    return "<h3>Test matrix</h3>" + table


def _selections(instance: InstanceRun) -> str:
    if not instance.selections:
        return "<h3>Selections</h3><p class='absent'>No selection files.</p>"
    parts = ["<h3>Selections</h3>"]
    for name, selection in sorted(instance.selections.items()):
        scores = ", ".join(f"{esc(cid)}: {score:g}" for cid, score in sorted(selection.scores.items()))
        body = f"<p>scores: {scores or 'none'}</p>"
        if selection.rationale:
            body += _pre(selection.rationale)
        if selection.trajectory is not None:
            body += _trajectory("selection trajectory", selection.trajectory)
        summary = f"{esc(name)} · {esc(selection.status)} · <code>{esc(selection.candidate_id or '-')}</code>"
        parts.append(_details(summary, body, "selection"))
    return "".join(parts)


def _trajectory_order(name: str) -> tuple[int, int, str]:
    kind, _, sample = name.partition("-")
    return ({"testing": 0, "editing": 1}.get(kind, 2), int(sample) if sample.isdigit() else 0, name)


def _trajectories(instance: InstanceRun) -> str:
    if not instance.trajectories:
        return "<h3>Trajectories</h3><p class='absent'>No trajectory files.</p>"
    names = sorted(instance.trajectories, key=_trajectory_order)
    return "<h3>Trajectories</h3>" + "".join(_trajectory(n, instance.trajectories[n]) for n in names)


def _trajectory(name: str, trajectory: Trajectory) -> str:
    turns = []
    previous: dict[str, Any] = {"patch": None, "script": None}
    for number, turn in enumerate(trajectory.turns, 1):
        body = [
            f'<div class="message role-{esc(m.get("role", "?"))}"><b>{esc(m.get("role", "?"))}</b>'
            f"{_pre(m.get('content', ''))}</div>"
            for m in turn.messages
        ]
        if turn.observation and all(m.get("content") != turn.observation for m in turn.messages):
            body.append("<b>observation</b>" + _pre(turn.observation))
        if turn.script and turn.script != previous["script"]:
            body.append("<b>test script</b>" + _pre(turn.script))
        if turn.patch and turn.patch != previous["patch"]:
            body.append("<b>patch</b>" + diff_block(turn.patch))
        previous = {"patch": turn.patch, "script": turn.script}
        tokens = turn.usage.prompt_tokens + turn.usage.completion_tokens
        turns.append(_details(f"turn {number} · {esc(turn.action)} · {tokens} tokens", "".join(body), "turn"))
    error = f"<p class='error'>{esc(trajectory.error)}</p>" if trajectory.error else ""
    summary = (
        f"{esc(name)} · {esc(trajectory.status)} · {len(trajectory.turns)} turns · "
        f"{trajectory.format_errors} format errors"
    )
    return _details(summary, error + "".join(turns), "trajectory")
