"""Context stage: BM25 gold-file recall at the default budget, and relevance-scan throughput.

Recall: the BM25 provider (no model) on `swe-mini` and on the SWE-bench Lite records of
../shared/data whose repositories are available here, that is, whose pinned PyPI source
distribution (`lite-sdist-hits.tsv`) is already in the sdist cache (`--fetch` downloads the rest).
Recall is the fraction of the files the gold patch touches that made it into the context.

Throughput: the relevance scan over FILES synthetic files (by default 32 x the concurrency limit, so
every wave of calls is full) against a scripted relevance model served
on a loopback OpenAI-compatible server (a separate process) that answers every call in the grammar
after LATENCY seconds. With the endpoint's concurrency limit L, the most the scan can achieve is
L / LATENCY calls per second; the last line is `ratio: <achieved/limit>` (target >= 0.9).

    PYTHONPATH=. python bench/context.py [--files N] [--concurrency 64] [--latency 0.2]
        [--fetch] [--skip-recall]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sweagent.config import RunConfig
from sweagent.context.cache import AnswerCache
from sweagent.context.scan import ScanInput, relevance_scan
from sweagent.context.stage import run_context_stage
from sweagent.datasets import load_dataset
from sweagent.datasets.repos import RepoSources
from sweagent.datasets.sdist import DEFAULT_SDIST_CACHE, SdistPin
from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Instance

ROOT = Path(__file__).resolve().parents[1]
ANSWER = "The file defines the function the issue names.\nRELEVANCE: Relevant\nSUMMARY: defines parse()\n"


class RelevanceServer(LoopbackChatServer):
    """Scripted relevance model on loopback: every completion is a fixed answer in the grammar."""

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = super().completion(body)
        for choice in reply["choices"]:
            choice["message"]["content"] = ANSWER
        return reply


def serve(latency: float) -> None:
    server = RelevanceServer(latency=latency)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(on_ready=lambda url: print(url, flush=True)))


def shared_data() -> Path | None:
    for folder in (ROOT, *ROOT.parents):
        if (folder / "shared" / "data" / "lite-sdist-hits.tsv").is_file():
            return folder / "shared" / "data"
    return None


def lite_instances(data: Path, fetch: bool) -> list[Instance]:
    """Lite records with an sdist pin; without `fetch`, only those whose sdist is already cached."""
    with (data / "lite-sdist-hits.tsv").open(encoding="utf-8") as handle:
        pins = {row["instance_id"]: row for row in csv.DictReader(handle, delimiter="\t")}
    cached = DEFAULT_SDIST_CACHE.expanduser() / "repos"
    found = []
    for line in (data / "swe-bench-lite-test.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        hit = pins.get(row["instance_id"])
        if hit is None:
            continue
        pin = SdistPin(type="sdist", package=hit["repo"].split("/")[1], version=hit["sdist_version"])
        if not fetch and not (cached / pin.slug).is_dir():
            continue
        fields = {k: v for k, v in row.items() if k in Instance.model_fields}
        found.append(Instance.model_validate({**fields, "source": pin.model_dump()}))
    return found


def bm25_recall(name: str, instances: list[Instance]) -> float:
    config = RunConfig()
    config.context.provider = "bm25"
    model = ScriptedModel.from_spec("builtin")  # never called by BM25
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-context-") as tmp:
        outcomes = asyncio.run(
            run_context_stage(
                instances,
                run_dir=Path(tmp),
                config=config,
                primary=model,
                relevance=model,
                sources=RepoSources(),
            )
        )
    seconds = time.perf_counter() - started
    recalls = []
    for iid in sorted(outcomes):
        outcome = outcomes[iid]
        shown = "-" if outcome.recall is None else f"{outcome.recall:.2f}"
        print(
            f"[{name}] {iid}: {outcome.status} files={outcome.files} tokens={outcome.tokens} recall={shown}"
        )
        if outcome.recall is not None:
            recalls.append(outcome.recall)
    mean = sum(recalls) / len(recalls) if recalls else 0.0
    print(
        f"[{name}] bm25 recall at budget {config.context.budget()}: {mean:.3f} "
        f"over {len(recalls)} instances ({seconds:.1f} s)"
    )
    return mean


async def scan_rate(url: str, files: int, concurrency: int) -> tuple[float, int]:
    instance = Instance(
        instance_id="bench", repo="bench/bench", base_commit="0", problem_statement="parse('') fails"
    )
    text = "def parse(text):\n    return text[0]\n" * 40
    items = [
        ScanInput(path=f"pkg/module_{i}.py", text=text, sha256=f"{i:064x}", tokens=len(text) // 4)
        for i in range(files)
    ]
    model = OpenAICompatModel(
        "relevance", [url], max_concurrency=concurrency, timeout=30, retry_seconds=0, transport="aiohttp"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
            warm = AnswerCache(Path(tmp) / "warm")
            await relevance_scan(
                instance, items[:concurrency], model, concurrency=concurrency, window_tokens=8000, cache=warm
            )
            cache = AnswerCache(Path(tmp) / "cache")
            started = time.perf_counter()
            judged = await relevance_scan(
                instance, items, model, concurrency=concurrency, window_tokens=8000, cache=cache
            )
            seconds = time.perf_counter() - started
    finally:
        await model.close()
    return files / seconds, sum(j.relevant is True for j in judged)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, help="files scanned (default: 32 x concurrency, full waves)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--fetch", action="store_true", help="download sdists not yet cached (slow)")
    parser.add_argument("--skip-recall", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.latency)
        return
    if not args.skip_recall:
        bm25_recall("swe-mini", list(load_dataset("swe-mini").instances))
        data = shared_data()
        lite = lite_instances(data, args.fetch) if data else []
        if lite:
            bm25_recall("lite-sdist", lite)
        else:
            print("[lite-sdist] no SWE-bench records with an available repository (see --fetch)")
    files = args.files or 32 * args.concurrency
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        rate, relevant = asyncio.run(scan_rate(url, files, args.concurrency))
    finally:
        server.terminate()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    limit = args.concurrency / args.latency
    print(
        f"[scan] files: {files}  relevant: {relevant}  "
        f"latency: {args.latency} s  concurrency: {args.concurrency}"
    )
    print(f"[scan] achieved: {rate:.1f} calls/s  limit: {limit:.1f} calls/s (concurrency / latency)")
    print(f"ratio: {rate / limit:.3f}")


if __name__ == "__main__":
    main()
