"""Where a run's instances run: `executor: local` (in the `run` process, `sweagent.stages`) or
`executor: ray` (as tasks on a Ray cluster's nodes, `ray_executor`), into the same run directory."""

__all__: list[str] = []
