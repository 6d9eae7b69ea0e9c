"""A small run directory built from the records, as the pipeline writes them: the report's demo and
the tests' fixture.

Three instances with 4 samples x up to 3 turns: `demo__calc-1` is covered (sample 1 finds the fix
at turn 2) and resolved by `vote` but not by `random`; `demo__web-2` has one candidate, unresolved,
whose patch, test and model replies carry hostile HTML; `demo__partial-3` stopped after its context
and first testing turn (no candidates.json, no selection, no evaluation).
"""

from __future__ import annotations

from pathlib import Path

from sweagent.config import load_config
from sweagent.models.protocol import Purpose
from sweagent.models.usage import UsageLedger
from sweagent.patches import candidate_id
from sweagent.records import (
    Candidate,
    Context,
    ContextFile,
    EvalResult,
    GenerationResult,
    Selection,
    TestCount,
    TestMatrix,
    TestScript,
    Trajectory,
    Turn,
    Usage,
    content_id,
)
from sweagent.store import (
    CANDIDATES_ARTIFACT,
    CONFIG_FILE,
    CONTEXT_ARTIFACT,
    MATRIX_ARTIFACT,
    RESULTS_FILE,
    USAGE_FILE,
    RunStore,
    atomic_write_text,
    eval_artifact,
    selection_artifact,
    trajectory_artifact,
)

__all__ = ["BAD_PATCH", "GOOD_PATCH", "HOSTILE_PATCH", "INSTANCES", "MODEL", "PRICES", "write_example_run"]

MODEL = "demo-model"
PRICES = {MODEL: (1.0, 2.0)}
"""USD per million prompt / completion tokens."""
INSTANCES = ("demo__calc-1", "demo__web-2", "demo__partial-3")

_HEADER = "diff --git a/calc/core.py b/calc/core.py\nindex 3b18e51..a9c2f4d 100644\n--- a/calc/core.py\n"
BAD_PATCH = (
    _HEADER
    + "+++ b/calc/core.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return abs(a) + b\n"
)
GOOD_PATCH = (
    _HEADER + "+++ b/calc/core.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
)
HOSTILE_PATCH = (
    "diff --git a/web/page.html b/web/page.html\n--- a/web/page.html\n+++ b/web/page.html\n@@ -1 +1 @@\n"
    "-<p>old</p>\n"
    "+</script><script>document.documentElement.setAttribute('data-pwned', '1')</script>"
    "<img src=x onerror=\"document.title='pwned'\"></pre></details><b>bold</b>\n"
)
_CALC_TEST = "from calc.core import add\nimport sys\nsys.exit(0 if add(2, 3) == 5 else 2)\n"
_WEB_TEST = "print('</script><script>alert(1)</script>')\nraise SystemExit(2)\n"


def _turn(action: str, reply: str, patch: str | None, script: str, tokens: int) -> Turn:
    observation = f"ran the script: exit {0 if patch == GOOD_PATCH else 2}"
    return Turn(
        messages=({"role": "assistant", "content": reply}, {"role": "user", "content": observation}),
        action=action,
        observation=observation,
        usage=Usage(prompt_tokens=tokens, completion_tokens=tokens // 10, calls=1),
        script=script,
        patch=patch,
    )


def _editing(instance_id: str, sample: int, patches: list[str], script: str, status: str) -> Trajectory:
    turns = [_turn("edit", f"<edit>fix {i}</edit>", p, script, 900) for i, p in enumerate(patches)]
    if status == "done":
        turns.append(_turn("done", "<done/>", patches[-1] if patches else "", script, 400))
    else:
        turns.append(
            _turn("format_error", "I think it is fine.", patches[-1] if patches else "", script, 300)
        )
    return Trajectory.model_validate(
        {"kind": "editing", "instance_id": instance_id, "sample": sample, "turns": turns, "status": status}
    )


def _testing(instance_id: str, sample: int, script: str, status: str = "done") -> Trajectory:
    turn = _turn("test", f"<test>{script}</test>", None, script, 600)
    return Trajectory.model_validate(
        {"kind": "testing", "instance_id": instance_id, "sample": sample, "turns": [turn], "status": status}
    )


def _write_instance(
    store: RunStore, instance_id: str, samples: list[tuple[list[str], str]], script: str, recall: float
) -> GenerationResult:
    files = (ContextFile(path="calc/core.py", tokens=120), ContextFile(path="web/page.html", tokens=80))
    store.write(
        instance_id, CONTEXT_ARTIFACT, Context(provider="relevance", files=files, budget=1000, recall=recall)
    )
    candidates: dict[str, Candidate] = {}
    statuses: dict[str, str] = {}
    for sample, (patches, status) in enumerate(samples):
        testing = _testing(instance_id, sample, script)
        editing = _editing(instance_id, sample, patches, script, status)
        for trajectory in (testing, editing):
            store.write(instance_id, trajectory_artifact(trajectory.kind, sample), trajectory)
            statuses[f"{trajectory.kind}-{sample}"] = trajectory.status
        if patches:
            cid = candidate_id(patches[-1])
            candidates.setdefault(cid, Candidate(id=cid, patch=patches[-1], source=f"editing-{sample}"))
    test = TestScript(id=content_id(script), content=script, source="testing-0")
    generation = GenerationResult(
        instance_id=instance_id, candidates=tuple(candidates.values()), tests=(test,), trajectories=statuses
    )
    store.write(instance_id, CANDIDATES_ARTIFACT, generation)
    return generation


def write_example_run(root: Path) -> Path:
    """Write the example run directory at `root` (created if needed) and return it."""
    store = RunStore(root)
    config = load_config(
        overrides=["generation.samples=4", "generation.iterations=3", "selection.selector=vote"]
    )
    atomic_write_text(root / CONFIG_FILE, config.to_yaml())
    calc, web, partial = INSTANCES
    good, bad, hostile = candidate_id(GOOD_PATCH), candidate_id(BAD_PATCH), candidate_id(HOSTILE_PATCH)

    samples = [
        ([BAD_PATCH], "done"),
        ([BAD_PATCH, GOOD_PATCH], "done"),
        ([BAD_PATCH], "done"),
        ([], "attempts_exhausted"),
    ]
    _write_instance(store, calc, samples, _CALC_TEST, recall=1.0)
    test = content_id(_CALC_TEST)
    outcomes = {"original": {test: "fail"}, good: {test: "pass"}, bad: {test: "fail"}}
    store.write(calc, MATRIX_ARTIFACT, TestMatrix(tests=(test,), candidates=(bad, good), outcomes=outcomes))
    vote = Selection(selector="vote", candidate_id=good, status="selected", scores={good: 1.0, bad: 0.0})
    store.write(calc, selection_artifact("vote"), vote)
    store.write(
        calc, selection_artifact("random"), Selection(selector="random", candidate_id=bad, status="selected")
    )
    passed = EvalResult(
        instance_id=calc, candidate_id=good, status="resolved", fail_to_pass=TestCount(passed=1, total=1)
    )
    store.write(calc, eval_artifact(good), passed)
    store.write(calc, eval_artifact(bad), EvalResult(instance_id=calc, candidate_id=bad, status="unresolved"))

    _write_instance(store, web, [([HOSTILE_PATCH], "done")] * 4, _WEB_TEST, recall=0.5)
    test = content_id(_WEB_TEST)
    matrix = TestMatrix(
        tests=(test,), candidates=(hostile,), outcomes={"original": {test: "fail"}, hostile: {test: "fail"}}
    )
    store.write(web, MATRIX_ARTIFACT, matrix)
    for selector in ("vote", "random"):
        chosen = Selection(
            selector=selector, candidate_id=hostile, status="selected", rationale="<i>only one</i>"
        )
        store.write(web, selection_artifact(selector), chosen)
    failed = EvalResult(instance_id=web, candidate_id=hostile, status="unresolved", detail="<b>no</b>")
    store.write(web, eval_artifact(hostile), failed)

    store.write(
        partial, CONTEXT_ARTIFACT, Context(provider="relevance", files=(), budget=1000, note="empty repo")
    )
    store.write(
        partial, trajectory_artifact("testing", 0), _testing(partial, 0, _CALC_TEST, status="running")
    )

    results = {
        calc: {
            "status": "resolved",
            "fail_to_pass": {"passed": 1, "total": 1},
            "pass_to_pass": {"passed": 3, "total": 3},
        },
        web: {
            "status": "unresolved",
            "fail_to_pass": {"passed": 0, "total": 1},
            "pass_to_pass": {"passed": 2, "total": 2},
        },
    }
    store.write_json(RESULTS_FILE, {"instances": results, "summary": {"resolved": 1, "total": 2}})
    ledger = UsageLedger(PRICES)
    for instance_id, stage, prompt, completion in [
        (calc, "relevance", 20_000, 1_000),
        (calc, "editing", 60_000, 6_000),
        (calc, "testing", 10_000, 2_000),
        (web, "relevance", 20_000, 1_000),
        (web, "editing", 40_000, 4_000),
        (partial, "relevance", 5_000, 500),
    ]:
        purpose = Purpose(stage=stage, instance_id=instance_id)
        ledger.record(purpose, MODEL, Usage(prompt_tokens=prompt, completion_tokens=completion, calls=1))
    ledger.write(root / USAGE_FILE)
    return root
