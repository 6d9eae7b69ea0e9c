"""A tolerated setup failure recorded in results.json is shown in the report, not only in a log."""

from __future__ import annotations

import json
from pathlib import Path

from sweagent.reporting import write_report
from sweagent.reporting.example_run import write_example_run


def test_setup_warnings_of_results_json_are_listed_in_the_report(tmp_path: Path) -> None:
    root = write_example_run(tmp_path)
    results = json.loads((root / "results.json").read_text(encoding="utf-8"))
    instance_id = sorted(results["instances"])[0]
    warning = "exit 1: python -m pip install . --no-deps --no-build-isolation --no-index"
    results["instances"][instance_id]["setup_warnings"] = [warning]
    (root / "results.json").write_text(json.dumps(results), encoding="utf-8")
    write_report(root, html=False)
    text = (root / "report.md").read_text(encoding="utf-8")
    assert "Setup warnings" in text
    assert f"| {instance_id} | {warning} |" in text
