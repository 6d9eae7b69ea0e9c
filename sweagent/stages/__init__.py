"""The stages of a run, in order, over a set of instances: each writes one artifact per instance.

An instance that fails a stage is recorded (its outcome's status is `error`) and left out of its
later stages; the others go on. Stages skip instances whose artifact exists, which is what makes a
run resumable. By default instances flow: each goes on to its next stage as soon as it can, many at
once, each kind of work within its own bound (`sweagent.stages.flowing`); `flow.order: staged`
keeps the old stage-by-stage order (`sweagent.stages.staged`). `run` and `solve` both drive their
instances through `run_stages`, with one `StagesRequest` saying what to run. What happens is
reported to a `RunProgress` (the command shows it), logged, and timed per instance and stage
(`stages.jsonl`); nothing here prints.
"""

from sweagent.stages.common import (
    BUILT_STAGES,
    STAGES,
    ImageFor,
    StageContext,
    StagesRequest,
    dataset_image,
)
from sweagent.stages.driver import fit_windows, run_stages
from sweagent.stages.selecting import SelectOutcome, write_predictions
from sweagent.stages.timing import STAGE_TIMES_FILE, StageTime, read_stage_times

__all__ = [
    "BUILT_STAGES",
    "STAGES",
    "STAGE_TIMES_FILE",
    "ImageFor",
    "SelectOutcome",
    "StageContext",
    "StagesRequest",
    "StageTime",
    "dataset_image",
    "fit_windows",
    "read_stage_times",
    "run_stages",
    "write_predictions",
]
