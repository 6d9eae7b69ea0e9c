"""Search/replace blocks: parsing round-trips, exact-once matches, near misses, path safety, all or none."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sweagent.edits import EditBlock, EditError, LocalFiles, apply_edit, check_path, parse_edit_blocks
from sweagent.edits.blocks import SHOW_LINES, render_block

line_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=30
)
# Lines that read as block markers are the one thing the format cannot carry.
plain_line = line_text.filter(
    lambda s: not s.lstrip("<=>").startswith((" SEARCH", " REPLACE")) and s.strip("=") != ""
)
lines_text = st.lists(plain_line, max_size=8).map(lambda lines: "".join(line + "\n" for line in lines))
paths = st.from_regex(r"[a-z][a-z0-9_]{0,8}(/[a-z][a-z0-9_]{0,8}){0,2}\.py", fullmatch=True)


@given(
    st.lists(st.builds(EditBlock, path=paths, search=lines_text, replace=lines_text), min_size=1, max_size=4)
)
def test_parse_inverts_render(blocks: list[EditBlock]) -> None:
    body = "Some prose first.\n" + "".join(render_block(block) for block in blocks) + "and after.\n"
    assert parse_edit_blocks(body) == tuple(blocks)


@given(
    before=st.lists(plain_line, max_size=6),
    target=st.lists(plain_line, min_size=1, max_size=4),
    after=st.lists(plain_line, max_size=6),
    replacement=st.lists(plain_line, max_size=4),
)
def test_a_unique_search_is_replaced_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[str],
    target: list[str],
    after: list[str],
    replacement: list[str],
) -> None:
    lines = [*before, *target, *after]
    text = "".join(line + "\n" for line in lines)
    occurrences = sum(lines[i : i + len(target)] == target for i in range(len(lines) - len(target) + 1))
    root = tmp_path_factory.mktemp("repo")
    (root / "m.py").write_text(text)
    block = EditBlock(
        path="m.py", search="".join(t + "\n" for t in target), replace="".join(r + "\n" for r in replacement)
    )
    if occurrences != 1:
        with pytest.raises(EditError, match="matches"):
            apply_edit([block], LocalFiles(root))
        assert (root / "m.py").read_text() == text
        return
    apply_edit([block], LocalFiles(root))
    assert (root / "m.py").read_text() == "".join(line + "\n" for line in [*before, *replacement, *after])


def test_blocks_apply_in_order_and_create_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    return 1\n")
    blocks = parse_edit_blocks(
        "<<<<<<< SEARCH pkg/a.py\n    return 1\n=======\n    return 2\n>>>>>>> REPLACE\n"
        "<<<<<<< SEARCH pkg/a.py\n    return 2\n=======\n    return 3\n>>>>>>> REPLACE\n"
        "<<<<<<< SEARCH ./pkg/new/b.py\n=======\nX = 1\n>>>>>>> REPLACE\n"
    )
    applied = apply_edit(blocks, LocalFiles(tmp_path))
    assert (tmp_path / "pkg" / "a.py").read_text() == "def f():\n    return 3\n"
    assert (tmp_path / "pkg" / "new" / "b.py").read_text() == "X = 1\n"
    assert applied.changed == ("pkg/a.py", "pkg/new/b.py")
    assert applied.created == ("pkg/new/b.py",)


def test_one_failing_block_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("a = 1\n")
    blocks = [
        EditBlock(path="a.py", search="a = 1\n", replace="a = 2\n"),
        EditBlock(path="b.py", search="nothing\n", replace="x\n"),
    ]
    with pytest.raises(EditError, match=r"block 2 \(b.py\): the file does not exist"):
        apply_edit(blocks, LocalFiles(tmp_path))
    assert (tmp_path / "a.py").read_text() == "a = 1\n"
    assert not (tmp_path / "b.py").exists()


def test_whitespace_near_miss_shows_the_real_lines(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("class A:\n    def f(self):\n        return 1\n")
    block = EditBlock(path="a.py", search="def f(self):\n    return 1\n", replace="x\n")
    with pytest.raises(EditError, match="except for whitespace") as caught:
        apply_edit([block], LocalFiles(tmp_path))
    assert "     2|     def f(self):" in str(caught.value)


def test_fuzzy_near_miss_shows_the_closest_lines_bounded(tmp_path: Path) -> None:
    body = [f"value_{i} = compute({i})" for i in range(200)]
    (tmp_path / "a.py").write_text("\n".join(body) + "\n")
    wanted = [f"value_{i} = compute({i})" for i in range(100, 160)]
    wanted[0] = "value_100 = compute(1000)"
    block = EditBlock(path="a.py", search="".join(w + "\n" for w in wanted), replace="")
    with pytest.raises(EditError, match="similar") as caught:
        apply_edit([block], LocalFiles(tmp_path))
    message = str(caught.value)
    assert "   101| value_100 = compute(100)" in message
    assert f"({60 - SHOW_LINES} more lines not shown)" in message


def test_a_search_found_nowhere_says_so(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(EditError, match="matches nothing"):
        apply_edit(
            [EditBlock(path="a.py", search="completely different\n", replace="")], LocalFiles(tmp_path)
        )


def test_empty_search_on_an_existing_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(EditError, match="SEARCH part is empty but the file exists"):
        apply_edit([EditBlock(path="a.py", search="", replace="y\n")], LocalFiles(tmp_path))


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"a = 1\r\nb = 2\r\n")
    apply_edit([EditBlock(path="a.py", search="b = 2\n", replace="b = 3\n")], LocalFiles(tmp_path))
    assert (tmp_path / "a.py").read_bytes() == b"a = 1\r\nb = 3\r\n"


def test_a_file_without_final_newline_keeps_it_missing(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("a = 1\nb = 2")
    apply_edit([EditBlock(path="a.py", search="a = 1\n", replace="a = 0\n")], LocalFiles(tmp_path))
    assert (tmp_path / "a.py").read_text() == "a = 0\nb = 2"


def test_binary_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"\xff\xfe\x00x\n")
    with pytest.raises(EditError, match="not UTF-8"):
        apply_edit([EditBlock(path="data.bin", search="x\n", replace="y\n")], LocalFiles(tmp_path))


@pytest.mark.parametrize(
    ("path", "complaint"),
    [
        ("/etc/passwd", "absolute"),
        ("~/.bashrc", "absolute"),
        ("../outside.py", r"`\.\.`"),
        ("pkg/../../outside.py", r"`\.\.`"),
        (".git/config", "not a file of the repository"),
        ("", "invalid path"),
        ("./", "not a file of the repository"),
    ],
)
def test_hostile_paths_are_refused(path: str, complaint: str) -> None:
    with pytest.raises(EditError, match=complaint):
        check_path(path)


def test_symlinks_leading_out_are_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "victim.py").write_text("secret = 1\n")
    (repo / "link").symlink_to(outside)
    block = EditBlock(path="link/victim.py", search="secret = 1\n", replace="secret = 2\n")
    with pytest.raises(EditError, match="outside the repository"):
        apply_edit([block], LocalFiles(repo))
    assert (outside / "victim.py").read_text() == "secret = 1\n"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n", "path"),
        ("<<<<<<< SEARCH a.py\nx\n>>>>>>> REPLACE\n", "`=======` line is missing"),
        ("<<<<<<< SEARCH a.py\nx\n=======\ny\n", "`>>>>>>> REPLACE` line is missing"),
        ("<<<<<<< SEARCH a.py\nx\n<<<<<<< SEARCH b.py\n", "`=======` line is missing"),
    ],
)
def test_incomplete_blocks_are_explained(body: str, complaint: str) -> None:
    with pytest.raises(EditError, match=complaint):
        parse_edit_blocks(body)
