"""ScriptedModel, the test tool: policies from files, outputs in order, clear errors."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from sweagent.errors import ConfigError, ContextLengthExceeded, ModelError, ScriptExhausted
from sweagent.models import Model, ModelRequest, Purpose, ScriptedModel


def request(stage: str = "editing", n: int = 1, content: str = "hello") -> ModelRequest:
    purpose = Purpose(stage=stage, instance_id="repo__1", sample=2, turn=1)
    return ModelRequest(messages=({"role": "user", "content": content},), purpose=purpose, n=n)


def complete(model: ScriptedModel, req: ModelRequest) -> tuple[str, ...]:
    return asyncio.run(model.complete(req)).choices


def write_policy(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.py"
    path.write_text(body, encoding="utf-8")
    return path


def test_outputs_come_in_order_then_exhaustion_is_explicit() -> None:
    model = ScriptedModel.from_outputs(["one", "two", "three"])
    assert isinstance(model, Model)
    assert complete(model, request(n=2)) == ("one", "two")
    assert complete(model, request()) == ("three",)
    with pytest.raises(ScriptExhausted, match="ran out of its 3 outputs.*stage 'editing'"):
        complete(model, request())


def test_policy_file_sees_messages_and_purpose_per_sample(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "def respond(messages, purpose):\n"
        "    return f'{purpose.stage}/{purpose.instance_id}/{purpose.sample}/{purpose.turn}:'"
        " + messages[-1]['content']\n",
    )
    model = ScriptedModel.from_spec(str(path))
    response = asyncio.run(model.complete(request(n=2)))
    assert response.choices == ("editing/repo__1/2/1:hello", "editing/repo__1/3/1:hello")
    assert response.usage.calls == 1
    assert response.usage.prompt_tokens > 0
    assert model.requests == [request(n=2)]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "no such file"),
        ("def respond(messages, purpose)\n", "syntax error on line 1"),
        ("x = 1\n", "defines no function respond"),
        ("def respond(messages):\n    return ''\n", "exactly \\(messages, purpose\\)"),
        ("raise RuntimeError('boom')\n", "importing it raised RuntimeError: boom"),
    ],
)
def test_broken_policy_files_are_one_clear_config_error(
    tmp_path: Path, body: str | None, problem: str
) -> None:
    path = tmp_path / "policy.py" if body is None else write_policy(tmp_path, body)
    with pytest.raises(ConfigError, match=problem) as caught:
        ScriptedModel.from_file(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_policy_errors_are_wrapped_but_typed_model_errors_pass_through(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        "from sweagent.errors import ContextLengthExceeded\n"
        "def respond(messages, purpose):\n"
        "    if purpose.stage == 'ranking':\n"
        "        raise ContextLengthExceeded('too long')\n"
        "    if purpose.stage == 'testing':\n"
        "        return 3\n"
        "    return {}['missing']\n",
    )
    model = ScriptedModel.from_file(path)
    with pytest.raises(ContextLengthExceeded):
        complete(model, request("ranking"))
    with pytest.raises(ModelError, match="returned int, not str"):
        complete(model, request("testing"))
    with pytest.raises(ModelError, match=re.escape(f"{path} raised KeyError")):
        complete(model, request("editing"))


@pytest.mark.parametrize(
    ("stage", "content", "reply"),
    [
        ("relevance", "file", "RELEVANCE: Not Relevant"),
        ("ranking", "files", "```json\n[]\n```"),
        ("testing", "issue", "<done/>"),
        ("editing", "issue", "<done/>"),
        ("selection", "### Candidate A\n```diff\n```\n### Candidate B", "<choose>A</choose>"),
        ("selection", "no ids here", "<test>"),
    ],
)
def test_builtin_policy_answers_every_stage_trivially(stage: str, content: str, reply: str) -> None:
    model = ScriptedModel.from_spec("builtin")
    assert model.name == "scripted:builtin"
    [text] = complete(model, request(stage, content=content))
    assert reply in text
