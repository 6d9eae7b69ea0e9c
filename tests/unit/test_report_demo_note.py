"""With the packaged tiny model, both reports say plainly that it is a demo and resolves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweagent.config import load_config
from sweagent.reporting import write_report
from sweagent.store import atomic_write_text


def reports(root: Path, model: str) -> tuple[str, str]:
    config = load_config(overrides=[f"models.primary.name={model}"])
    atomic_write_text(root / "config.yaml", config.to_yaml())
    write_report(root, html=True)
    return (root / "report.md").read_text(encoding="utf-8"), (root / "report.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "model", ["/root/.cache/gemma3_270m/gemma-3-270m-it-Q4_K_M.gguf", "unsloth/gemma3-270m-it-GGUF"]
)
def test_the_demo_model_is_named_a_demo(tmp_path: Path, model: str) -> None:
    markdown, html = reports(tmp_path, model)
    assert "It is a demo" in markdown
    assert "resolves nothing" in markdown
    assert "resolves nothing" in html


def test_a_real_model_gets_no_demo_note(tmp_path: Path) -> None:
    markdown, html = reports(tmp_path, "Qwen/Qwen2.5-Coder-32B-Instruct")
    assert "It is a demo" not in markdown
    assert "resolves nothing" not in html
