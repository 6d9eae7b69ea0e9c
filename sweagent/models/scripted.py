"""`ScriptedModel`: a deterministic TEST TOOL that answers from a Python policy or a fixed list.

It never talks to a real model. It exists so the whole pipeline runs in tests and on machines
without a GPU: `--model scripted:path/to/policy.py` or `--model scripted:builtin`.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import time
from collections.abc import Callable, Iterable
from itertools import count
from pathlib import Path

from sweagent.errors import ConfigError, ModelError, ScriptExhausted, SweAgentError
from sweagent.models.protocol import Message, ModelRequest, ModelResponse, Purpose
from sweagent.records import Usage

__all__ = ["BUILTIN_POLICY", "Policy", "ScriptedModel", "estimate_tokens", "load_policy"]

Policy = Callable[[list[Message], Purpose], str]
"""`respond(messages, purpose) -> str`: messages are fresh `{"role", "content"}` dicts; purpose is
the `Purpose` record (attributes `stage`, `instance_id`, `sample`, `turn`, `file`)."""

BUILTIN_POLICY = Path(__file__).parent / "policies" / "builtin.py"
"""The shipped test policy: a valid but trivial reply for every stage."""

_module_ids = count()


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters a token) for models that report none."""
    return (len(text) + 3) // 4


def load_policy(path: Path) -> Policy:
    """Import `respond` from a policy file; any problem is one ConfigError line naming the file."""
    if not path.is_file():
        msg = f"scripted policy {path}: no such file"
        raise ConfigError(msg)
    spec = importlib.util.spec_from_file_location(f"_sweagent_policy_{next(_module_ids)}", path)
    if spec is None or spec.loader is None:
        msg = f"scripted policy {path}: cannot be imported as a Python file"
        raise ConfigError(msg)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        msg = f"scripted policy {path}: syntax error on line {err.lineno}: {err.msg}"
        raise ConfigError(msg) from err
    except Exception as err:
        msg = f"scripted policy {path}: importing it raised {type(err).__name__}: {err}"
        raise ConfigError(msg) from err
    respond = getattr(module, "respond", None)
    if not callable(respond):
        msg = f"scripted policy {path}: defines no function respond(messages, purpose) -> str"
        raise ConfigError(msg)
    if len(inspect.signature(respond).parameters) != 2:
        msg = f"scripted policy {path}: respond must take exactly (messages, purpose)"
        raise ConfigError(msg)
    return respond


class ScriptedModel:
    """TEST TOOL: answers each sample by calling a policy; never a real model.

    A call with `n` samples calls the policy `n` times with `purpose.sample` counting up from the
    request's. A policy may raise a `SweAgentError` leaf (say `ContextLengthExceeded`) to simulate
    an endpoint; any other exception becomes a `ModelError` naming the policy.
    """

    def __init__(self, policy: Policy, name: str = "scripted", source: str = "policy") -> None:
        self.name = name
        self.policy = policy
        self.source = source
        self.requests: list[ModelRequest] = []
        """Every request seen, in order, for tests to inspect."""

    @classmethod
    def from_file(cls, path: Path) -> ScriptedModel:
        """TEST TOOL: a model whose replies come from `respond` in a policy file."""
        return cls(load_policy(path), name=f"scripted:{path}", source=str(path))

    @classmethod
    def from_spec(cls, spec: str) -> ScriptedModel:
        """A shipped policy by name (`builtin`, `gold`, ...) or a path to a policy file."""
        shipped = BUILTIN_POLICY.parent / f"{spec}.py"
        if re.fullmatch(r"[a-z_]+", spec) and spec != "__init__" and shipped.is_file():
            model = cls.from_file(shipped)
            model.name = f"scripted:{spec}"
            return model
        return cls.from_file(Path(spec))

    @classmethod
    def from_outputs(cls, outputs: Iterable[str], name: str = "scripted") -> ScriptedModel:
        """TEST TOOL: replies are `outputs` in order, one per sample; raises ScriptExhausted after."""
        remaining = list(outputs)
        total = len(remaining)

        def respond(messages: list[Message], purpose: Purpose) -> str:
            if not remaining:
                msg = (
                    f"scripted model {name!r} ran out of its {total} outputs "
                    f"(asked for stage {purpose.stage!r}, instance {purpose.instance_id!r}, "
                    f"sample {purpose.sample}, turn {purpose.turn})"
                )
                raise ScriptExhausted(msg)
            return remaining.pop(0)

        return cls(respond, name=name, source="outputs")

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        started = time.perf_counter()
        choices = tuple(self._respond(request, offset) for offset in range(request.n))
        prompt_tokens = sum(estimate_tokens(m.get("content", "")) for m in request.messages)
        usage = Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=sum(estimate_tokens(c) for c in choices),
            calls=1,
            seconds=time.perf_counter() - started,
        )
        return ModelResponse(choices=choices, usage=usage, finish_reasons=("stop",) * len(choices))

    def _respond(self, request: ModelRequest, offset: int) -> str:
        purpose = request.purpose.for_sample(offset)
        messages = [dict(m) for m in request.messages]
        try:
            reply = self.policy(messages, purpose)
        except SweAgentError:
            raise
        except Exception as err:
            msg = f"scripted policy {self.source} raised {type(err).__name__}: {err}"
            raise ModelError(msg) from err
        if not isinstance(reply, str):
            msg = f"scripted policy {self.source} returned {type(reply).__name__}, not str"
            raise ModelError(msg)
        return reply

    async def close(self) -> None:
        return None
