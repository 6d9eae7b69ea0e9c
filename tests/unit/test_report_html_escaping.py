"""report.html escapes every text a repository or a model wrote, wherever the template puts it."""

from __future__ import annotations

from pathlib import Path

from sweagent.records import (
    Candidate,
    Context,
    ContextFile,
    EvalResult,
    GenerationResult,
    Selection,
    TestMatrix,
    TestScript,
    Trajectory,
    Turn,
)
from sweagent.reporting.html_page import SCRIPT, render_html
from sweagent.reporting.loading import InstanceRun, RunData
from sweagent.reporting.plots import PlotSet
from sweagent.reporting.tables import Table

HOSTILE = "</pre><script>alert(\"x\" + 'y' & 1)</script><img src=x onerror=alert(2)>"
ESCAPED = (
    "&lt;/pre&gt;&lt;script&gt;alert(&#34;x&#34; + &#39;y&#39; &amp; 1)&lt;/script&gt;"
    "&lt;img src=x onerror=alert(2)&gt;"
)


def _hostile_instance(tmp_path: Path) -> InstanceRun:
    patch = f"--- a/f.py\n+++ b/f.py\n@@ -1 +1 @@\n-x\n+{HOSTILE}\n"
    candidate = Candidate(id="c1", patch=patch, source=f"editing-0 {HOSTILE}")
    turn = Turn(
        messages=({"role": HOSTILE, "content": HOSTILE},),
        action=HOSTILE,
        observation=f"observed {HOSTILE}",
        script=f"# {HOSTILE}",
        patch=patch,
    )
    trajectory = Trajectory.model_validate(
        {"kind": "editing", "instance_id": "i", "sample": 0, "turns": [turn], "error": HOSTILE}
    )
    context = Context(provider=HOSTILE, files=(ContextFile(path=HOSTILE, tokens=1),), budget=1, note=HOSTILE)
    selection = Selection(selector=HOSTILE, candidate_id="c1", status="selected", rationale=HOSTILE)
    return InstanceRun(
        instance_id=f"demo__{HOSTILE}",
        directory=tmp_path,
        context=context,
        generation=GenerationResult(
            instance_id="i",
            candidates=(candidate,),
            tests=(TestScript(id="t1", content=HOSTILE, source=HOSTILE),),
        ),
        trajectories={"editing-0": trajectory},
        test_matrix=TestMatrix(tests=(HOSTILE,), candidates=("c1",), outcomes={"c1": {HOSTILE: "fail"}}),
        selections={HOSTILE: selection},
        evals={"c1": EvalResult(instance_id="i", candidate_id="c1", status="unresolved", detail=HOSTILE)},
        result={"status": HOSTILE, "fail_to_pass": {"passed": HOSTILE, "total": 1}},
        problems=[HOSTILE],
    )


def test_hostile_text_everywhere_stays_text(tmp_path: Path) -> None:
    """No `<`, `"`, `'` or `&` from a run's files reaches the page unescaped: only the page's script runs."""
    run = RunData(root=tmp_path, instances=[_hostile_instance(tmp_path)], problems=[HOSTILE])
    tables = [Table(title=HOSTILE, header=[HOSTILE], rows=[[HOSTILE]], note=HOSTILE)]
    page = render_html(run, tables, PlotSet(skipped={"cost_by_stage": HOSTILE}))
    assert page.count("<script") == 1
    assert f"<script>{SCRIPT}</script>" in page
    assert "<img" not in page
    assert "alert(" not in page.replace(ESCAPED, "")  # every hostile text is there only in escaped form
    assert page.count(ESCAPED) >= 25
    assert f'data-instance="demo__{ESCAPED}' in page  # inside an attribute value, quotes escaped too
    assert f'<span class="add">+{ESCAPED}' in page
