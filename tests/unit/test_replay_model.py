"""ReplayModel answers from a stored run directory and says exactly what it cannot find."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sweagent.errors import ReplayNotFound
from sweagent.models import ModelRequest, Purpose
from sweagent.models.replay import ReplayModel
from sweagent.records import Context, ContextFile, Selection, Trajectory, Turn
from sweagent.store import RunStore

IID = "pkg__pkg-7"


def turn(reply: str, action: str = "edit") -> Turn:
    messages = ({"role": "assistant", "content": reply}, {"role": "user", "content": "observation"})
    return Turn(messages=messages, action=action)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    store = RunStore(tmp_path)
    for sample in (0, 1):
        turns = (turn(f"<edit>e{sample}.0</edit>"), turn("<done/>", "done"))
        store.write(
            IID,
            f"trajectories/editing-{sample}.json",
            Trajectory(kind="editing", instance_id=IID, sample=sample, turns=turns),
        )
    selection = Selection(
        selector="vote>state-machine",
        candidate_id="abc",
        status="selected",
        trajectory=Trajectory(
            kind="selection", instance_id=IID, sample=0, turns=(turn("<choose>abc</choose>"),)
        ),
    )
    store.write(IID, "selection/vote>state-machine.json", selection)
    files = (
        ContextFile(path="pkg/core.py", tokens=10, summary="the core"),
        ContextFile(path="pkg/util.py", tokens=5),
    )
    store.write(IID, "context.json", Context(provider="relevance", files=files, budget=100))
    return tmp_path


def ask(
    model: ReplayModel, stage: str, sample: int = 0, turn: int = 0, n: int = 1, file: str | None = None
) -> tuple[str, ...]:
    purpose = Purpose(stage=stage, instance_id=IID, sample=sample, turn=turn, file=file)
    request = ModelRequest(messages=({"role": "user", "content": "q"},), purpose=purpose, n=n)
    return asyncio.run(model.complete(request)).choices


def test_trajectory_turns_are_replayed_per_sample(run_dir: Path) -> None:
    model = ReplayModel(run_dir)
    assert ask(model, "editing", n=2) == ("<edit>e0.0</edit>", "<edit>e1.0</edit>")
    assert ask(model, "editing", sample=1, turn=1) == ("<done/>",)
    assert ask(model, "selection") == ("<choose>abc</choose>",)


def test_relevance_and_ranking_are_rebuilt_from_the_context(run_dir: Path) -> None:
    model = ReplayModel(run_dir)
    assert ask(model, "relevance", file="pkg/core.py") == ("RELEVANCE: Relevant\nSUMMARY: the core",)
    assert ask(model, "relevance", file="pkg/other.py") == ("RELEVANCE: Not Relevant",)
    [ranking] = ask(model, "ranking")
    assert ranking.startswith("```json")
    assert '"pkg/core.py",\n "pkg/util.py"' in ranking


@pytest.mark.parametrize(
    ("stage", "sample", "turn", "problem"),
    [
        ("editing", 0, 5, "has 2 turns, no turn 5"),
        ("testing", 0, 0, "no stored trajectory .*testing-0.json"),
        ("selection", 3, 0, "no stored trajectory"),
        ("doctor", 0, 0, "stage 'doctor' keeps no stored replies"),
    ],
)
def test_missing_replies_are_clear_errors(
    run_dir: Path, stage: str, sample: int, turn: int, problem: str
) -> None:
    with pytest.raises(ReplayNotFound, match=problem):
        ask(ReplayModel(run_dir), stage, sample=sample, turn=turn)


def test_missing_run_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ReplayNotFound, match="does not exist"):
        ReplayModel(tmp_path / "nope")
