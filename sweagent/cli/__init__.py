"""The `sweagent` command line: parses, builds config, calls into the package; no logic of its own.

`app` holds the global options and exit codes; each module beside it holds one group of commands.
"""

from sweagent.cli.app import (
    EXIT_BAD_INPUT,
    EXIT_INFRASTRUCTURE,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    app,
    main,
)

__all__ = ["EXIT_BAD_INPUT", "EXIT_INFRASTRUCTURE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "app", "main"]
