"""The `model` selector: one LLM call reads the candidates and names one; and the prompt it shares."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

import prompts
from sweagent.agent.actions import Choose, parse_reply
from sweagent.errors import FormatError, InfrastructureUnavailable, ModelError
from sweagent.execution.scripts import ScriptRunner
from sweagent.models.prompt_layout import SharedPrompt, layout_messages
from sweagent.models.protocol import ModelRequest, Purpose
from sweagent.records import Candidate, Instance, Selection
from sweagent.selection.protocol import Evidence, SelectorContext, failed

__all__ = ["ModelSelector", "label", "labelled", "match_candidate", "selection_prompt", "touched_files"]

_DIFF_FILE = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)


def touched_files(candidates: Sequence[Candidate]) -> list[str]:
    """Paths the candidates change, in first-seen order."""
    paths: dict[str, None] = {}
    for candidate in candidates:
        for match in _DIFF_FILE.finditer(candidate.patch):
            paths.setdefault(match.group(2), None)
    return list(paths)


def _read_files(runner: ScriptRunner, paths: Sequence[str]) -> list[tuple[str, str]]:
    files = []
    with runner.pool.acquire() as box:
        for path in paths:
            try:
                files.append((path, box.read_file(path).decode("utf-8", errors="replace")))
            except OSError:
                continue  # a file a candidate creates does not exist in the original code
    return files


async def selection_prompt(
    instance: Instance, candidates: Sequence[Candidate], runner: ScriptRunner | None
) -> SharedPrompt:
    """Instructions, the issue and (when a sandbox is at hand) the original files the candidates touch."""
    files: list[tuple[str, str]] = []
    if runner is not None:
        files = await asyncio.to_thread(_read_files, runner, touched_files(candidates))
    instructions = prompts.render(
        "selection/instructions",
        repo=instance.repo,
        workdir="the sandbox's repository root",
        script_command=runner.command if runner else "python3",
    )
    return SharedPrompt(instructions=instructions, issue=instance.problem_statement, files=tuple(files))


def label(index: int) -> str:
    """The short label of the `index`-th candidate shown: A, B, ..., Z, AA, AB, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def labelled(candidates: Sequence[Candidate]) -> list[dict[str, str]]:
    """The candidates as the prompts show them: a short label and the diff, in the given order."""
    return [{"label": label(i), "patch": c.patch} for i, c in enumerate(candidates)]


def match_candidate(named: str, candidates: Sequence[Candidate]) -> Candidate:
    """The candidate a label (`B`), an id or a unique id prefix names; FormatError listing the labels."""
    name = named.strip().removeprefix("Candidate ").strip()
    by_label = {label(i): c for i, c in enumerate(candidates)}
    if name.upper() in by_label:
        return by_label[name.upper()]
    exact = [c for c in candidates if c.id == name]
    found = exact or ([c for c in candidates if c.id.startswith(name)] if len(name) >= 4 else [])
    if len(found) == 1:
        return found[0]
    known = ", ".join(by_label)
    msg = f"{named!r} names {'no' if not found else 'more than one'} candidate; the candidates are {known}"
    raise FormatError(msg)


class ModelSelector:
    """Shows the model every candidate's diff once and takes the `<choose>ID</choose>` it answers."""

    name = "model"
    needs = frozenset({"model"})

    def __init__(self, context: SelectorContext) -> None:
        self.context = context

    async def select(
        self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
    ) -> Selection:
        model = self.context.model
        if model is None:
            return failed(self.name, "no model was given to the model selector")
        shared = await selection_prompt(instance, candidates, self.context.runner)
        listing = prompts.render("selection/candidates", candidates=labelled(candidates))
        task = prompts.render("selection/choose", count=len(candidates), candidates=listing)
        request = ModelRequest(
            messages=tuple(layout_messages(shared, task)),
            purpose=Purpose(stage="selection", instance_id=instance.instance_id),
            max_tokens=self.context.config.max_tokens,
        )
        try:
            reply = (await model.complete(request)).choices[0]
        except InfrastructureUnavailable:
            raise
        except ModelError as err:
            return failed(self.name, f"model: {err}")
        try:
            action = parse_reply("selection", reply)
            if not isinstance(action, Choose):
                msg = "only <choose>ID</choose> is allowed in a single-call selection"
                raise FormatError(msg)
            chosen = match_candidate(action.candidate_id, candidates)
        except FormatError as err:
            return failed(self.name, f"unusable reply: {err}")
        scores = {c.id: float(c.id == chosen.id) for c in candidates}
        return Selection(
            selector=self.name,
            candidate_id=chosen.id,
            status="selected",
            scores=scores,
            rationale=reply[-2000:],
        )
