"""Generation: the edit format, the testing and editing trajectories, and their fan-out."""

from sweagent.generation.actions import ALLOWED_ACTIONS, Action, Choose, Done, Edit, WriteTest, parse_reply
from sweagent.generation.edits import (
    AppliedEdit,
    EditBlock,
    EditError,
    apply_edit,
    check_path,
    parse_edit_blocks,
)
from sweagent.generation.repo_files import LocalFiles, RepoFiles, SandboxFiles

__all__ = [
    "ALLOWED_ACTIONS",
    "Action",
    "AppliedEdit",
    "Choose",
    "Done",
    "Edit",
    "EditBlock",
    "EditError",
    "LocalFiles",
    "RepoFiles",
    "SandboxFiles",
    "WriteTest",
    "apply_edit",
    "check_path",
    "parse_edit_blocks",
    "parse_reply",
]
