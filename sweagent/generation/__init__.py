"""Generation: the testing and editing state machines, their fan-out, and the stage.

The reply grammar and the turn loop they run on live in `sweagent.agent`, the edit format in
`sweagent.edits`: selection runs trajectories too and must not import generation.
"""

__all__: list[str] = []
