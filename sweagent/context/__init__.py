"""Context stage: file listing, skeletons, relevance scan, ranking, BM25 retrieval, assembly."""

from sweagent.context.assembly import assemble, gold_files, merge_rankings, recall
from sweagent.context.bm25 import Bm25Index, terms
from sweagent.context.cache import AnswerCache
from sweagent.context.command import context_command
from sweagent.context.grammar import Verdict, parse_ranking, parse_relevance
from sweagent.context.listing import Listing, SourceFile, list_source_files
from sweagent.context.providers import (
    Bm25Provider,
    ContextProvider,
    ContextReport,
    RelevanceProvider,
    bm25_order,
)
from sweagent.context.ranking import RankingOutcome, rank_files
from sweagent.context.scan import FileJudgement, ScanInput, relevance_scan
from sweagent.context.skeleton import python_skeleton, skeleton
from sweagent.context.stage import ContextOutcome, run_context_stage
from sweagent.context.tokens import ApproximateCounter, TokenCounter, VllmTokenizeCounter, token_counter_for

__all__ = [
    "ApproximateCounter",
    "Bm25Index",
    "Bm25Provider",
    "ContextOutcome",
    "ContextProvider",
    "ContextReport",
    "FileJudgement",
    "Listing",
    "RankingOutcome",
    "AnswerCache",
    "RelevanceProvider",
    "ScanInput",
    "SourceFile",
    "TokenCounter",
    "Verdict",
    "VllmTokenizeCounter",
    "assemble",
    "bm25_order",
    "context_command",
    "gold_files",
    "list_source_files",
    "merge_rankings",
    "parse_ranking",
    "parse_relevance",
    "python_skeleton",
    "rank_files",
    "recall",
    "relevance_scan",
    "run_context_stage",
    "skeleton",
    "terms",
    "token_counter_for",
]
