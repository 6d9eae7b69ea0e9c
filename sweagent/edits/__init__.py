"""The edit format: search/replace blocks (parse, check, apply) over a repository's files.

Below both the agent loop and execution: execution applies edits, and the reply grammar parses them.
"""

from sweagent.edits.blocks import AppliedEdit, EditBlock, EditError, apply_edit, check_path, parse_edit_blocks
from sweagent.edits.repo_files import LocalFiles, RepoFiles, SandboxFiles

__all__ = [
    "AppliedEdit",
    "EditBlock",
    "EditError",
    "LocalFiles",
    "RepoFiles",
    "SandboxFiles",
    "apply_edit",
    "check_path",
    "parse_edit_blocks",
]
