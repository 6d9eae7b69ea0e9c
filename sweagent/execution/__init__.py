"""Execution: reproduction tests run in pooled sandboxes (`scripts`), and the test matrix (`test_matrix`).

Nothing is imported here: generation imports `scripts` while `test_matrix` builds on generation.
"""

__all__: list[str] = []
