from sandbox.restore import Baseline, plan_restore, top_most

BASELINE = Baseline(roots=("/testbed",), listing=b"", dir_modes={"/testbed": "755", "/testbed/pkg": "755"})


def test_top_most_drops_descendants_but_not_lookalike_siblings() -> None:
    paths = ["/a", "/a/b", "/a/b/c", "/a-b", "/a-b/x", "/c/d"]
    assert top_most(paths) == ["/a", "/a-b", "/c/d"]


def test_deleted_trees_are_restored_whole_and_their_children_not_twice() -> None:
    plan = plan_restore(
        ["/testbed/pkg", "/testbed/pkg/calc.py"],
        [("f", "644", "/testbed/pkg/calc.py"), ("f", "644", "/testbed/README.md")],
        BASELINE,
    )
    assert plan.trees == ("/testbed/pkg",)
    assert plan.entries == ("/testbed/README.md",)


def test_directories_come_back_only_when_their_mode_changed() -> None:
    plan = plan_restore([], [("d", "755", "/testbed"), ("d", "700", "/testbed/pkg")], BASELINE)
    assert plan.entries == ("/testbed/pkg",)
