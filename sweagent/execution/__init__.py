"""Execution: reproduction tests run in pooled sandboxes (`scripts`), and the test matrix (`test_matrix`)."""

__all__: list[str] = []
