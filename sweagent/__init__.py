"""sweagent: an agentic software-engineering solver that scales test-time compute."""

__all__ = ["__version__"]

__version__ = "0.1.0"
