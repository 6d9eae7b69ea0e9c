"""`import` on a file holding every kind of junk real prediction files carry: each record classified,
junk counted but never a candidate, a fuzz-only patch stored as a clean diff, one file many systems."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sweagent.records import GenerationResult
from sweagent.selection.commands import import_command
from sweagent.selection.importing import ImportReport

CALC = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(6))
TESTS = "from pkg.calc import f0\n\n\ndef test_f0():\n    assert f0(1) == 1\n"


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, text=True, check=True)
    return done.stdout


def _repo(path: Path) -> str:
    (path / "pkg").mkdir(parents=True)
    (path / "tests").mkdir()
    (path / "pkg" / "calc.py").write_text(CALC)
    (path / "tests" / "test_calc.py").write_text(TESTS)
    _git(path, "init", "-q")
    _git(path, "add", "-A")
    _git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    return _git(path, "rev-parse", "HEAD").strip()


def _diff(repo: Path, path: str, old: str, new: str) -> str:
    """The diff git makes for replacing `old` by `new` in `path` (the tree is left as it was)."""
    file = repo / path
    text = file.read_text()
    file.write_text(text.replace(old, new, 1))
    diff = _git(repo, "diff")
    file.write_text(text)
    return diff


def _new_file(path: str, lines: list[str]) -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


BINARY = (
    "diff --git a/db.sqlite b/db.sqlite\nnew file mode 100644\n"
    "Binary files /dev/null and b/db.sqlite differ\n"
)


def test_every_kind_of_junk_is_classified_and_only_usable_patches_become_candidates(tmp_path: Path) -> None:
    repo = tmp_path / "repos" / "demo" / "calc"
    base = _repo(repo)
    good = _diff(repo, "pkg/calc.py", "    return x + 0\n", "    return x\n")
    # The same change with its hunk's line counts broken (stripped whitespace) and a trailing blank
    # lost from the context: git apply refuses it as it stands.
    fuzzy = (
        "diff --git a/pkg/calc.py b/pkg/calc.py\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n"
        "@@ -7,4 +7,4 @@\n def f2(x):\n-    return x + 2\n+    return x + 2 * 1\n"
    )
    conflicting = good.replace("-    return x + 0", "-    return x * 99")
    records = [
        ("sys-a", good),
        ("sys-b", good.replace("+    return x\n", "+    return x  \n")),  # the same fix, another system
        ("sys-b", fuzzy),
        ("sys-c", "I changed f0 so that it returns x unchanged, which fixes the issue."),
        ("sys-c", BINARY),
        ("sys-d", BINARY + good),  # a fix carrying a binary file: the binary part is dropped
        ("sys-d", _new_file("reproduce.py", ["print('bug')"])),
        ("sys-e", _new_file("pkg/vendored.py", [f"X{i} = {i}" for i in range(12_000)])),
        ("sys-e", _diff(repo, "tests/test_calc.py", "== 1", "== 2")),
        ("sys-f", conflicting),
        ("sys-f", None),
    ]
    dataset = tmp_path / "data.jsonl"
    row = {
        "instance_id": "demo__calc-1",
        "repo": "demo/calc",
        "base_commit": base,
        "problem_statement": "f0 adds zero",
    }
    dataset.write_text(json.dumps(row) + "\n")
    predictions = tmp_path / "all_preds.jsonl"
    predictions.write_text(
        "".join(
            json.dumps({"instance_id": "demo__calc-1", "model_name_or_path": s, "model_patch": p}) + "\n"
            for s, p in records
        )
    )
    run = tmp_path / "run"
    assert import_command([predictions], str(dataset), run, repos_dir=tmp_path / "repos") == 0
    report = ImportReport.model_validate_json((run / "demo__calc-1" / "imports.json").read_text())
    assert [(p.system, p.kind) for p in report.patches] == [
        ("sys-a", "applies"),
        ("sys-b", "applies"),
        ("sys-b", "fuzz"),
        ("sys-c", "malformed"),
        ("sys-c", "binary"),
        ("sys-d", "applies"),
        ("sys-d", "empty"),
        ("sys-e", "too_large"),
        ("sys-e", "tests_only"),
        ("sys-f", "conflicts"),
        ("sys-f", "empty"),
    ]
    generation = GenerationResult.model_validate_json((run / "demo__calc-1" / "candidates.json").read_text())
    kinds = {c.kind: c for c in generation.candidates}
    assert sorted(kinds) == ["applies", "fuzz", "tests_only"]
    assert kinds["applies"].systems == ("sys-a", "sys-b", "sys-d")
    assert kinds["applies"].source == "import:sys-a"
    clean = kinds["fuzz"].patch
    assert "GIT binary" not in clean
    _git(repo, "apply", "--check", "-", stdin=clean)  # the normalised diff applies as it stands
    assert "+    return x + 2 * 1\n" in clean
    assert "@@ -7,7 +7,7 @@" in clean  # git's own hunk: three lines of context, true counts


UNCHECKED = "diff --git a/pkg/x.py b/pkg/x.py\n--- a/pkg/x.py\n+++ b/pkg/x.py\n@@ -1 +1 @@\n-a\n+b\n"


def test_without_a_repository_patches_are_unchecked_but_junk_is_still_caught(tmp_path: Path) -> None:
    dataset = tmp_path / "data.jsonl"
    row = {"instance_id": "demo__x-1", "repo": "demo/x", "base_commit": "0" * 40, "problem_statement": "p"}
    dataset.write_text(json.dumps(row) + "\n")
    predictions = tmp_path / "preds.json"
    rows = [
        {"instance_id": "demo__x-1", "model_name_or_path": "a", "model_patch": UNCHECKED},
        {"instance_id": "demo__x-1", "model_name_or_path": "b", "model_patch": "prose only"},
    ]
    predictions.write_text(json.dumps(rows))
    run = tmp_path / "run"
    assert import_command([predictions], str(dataset), run) == 0
    report = ImportReport.model_validate_json((run / "demo__x-1" / "imports.json").read_text())
    assert [p.kind for p in report.patches] == ["unchecked", "malformed"]
