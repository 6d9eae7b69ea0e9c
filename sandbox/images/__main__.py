"""`python -m sandbox.images ensure-base [--dist bookworm] [--force]`: build the base image(s) if absent."""

from __future__ import annotations

import argparse
import sys

from sandbox.engine import connect
from sandbox.errors import SandboxError
from sandbox.images.base import DISTS, ensure_base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.images")
    commands = parser.add_subparsers(dest="command", required=True)
    ensure = commands.add_parser("ensure-base", help="build sweagent-base:<dist> unless it is up to date")
    ensure.add_argument("--dist", action="append", choices=sorted(DISTS), help="default: bookworm")
    ensure.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    try:
        client = connect()
        for dist in args.dist or ["bookworm"]:
            tag = ensure_base(client, dist, force=args.force, progress=lambda m: print(m, file=sys.stderr))
            print(tag)
    except SandboxError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
