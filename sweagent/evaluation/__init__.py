"""Evaluation: grade patches by FAIL_TO_PASS / PASS_TO_PASS in fresh sandboxes; results.json; validate."""

from sweagent.datasets.predictions import Prediction, read_predictions
from sweagent.evaluation.commands import evaluate_command, validate_command
from sweagent.evaluation.grading import Grade, Markers, grade_log, log_parser
from sweagent.evaluation.harness import evaluate_instance
from sweagent.evaluation.options import GradingOptions
from sweagent.evaluation.provider import Environment, FixedImageProvider, ImageProvider, default_provider
from sweagent.evaluation.results import Results, build_results, read_results, results_table, write_results

__all__ = [
    "Environment",
    "FixedImageProvider",
    "Grade",
    "GradingOptions",
    "ImageProvider",
    "Markers",
    "Prediction",
    "Results",
    "build_results",
    "default_provider",
    "evaluate_command",
    "evaluate_instance",
    "grade_log",
    "log_parser",
    "read_predictions",
    "read_results",
    "results_table",
    "validate_command",
    "write_results",
]
