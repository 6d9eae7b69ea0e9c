import pydantic
import pytest

from sweagent.records import Instance, Usage, content_id


def test_test_lists_load_from_json_strings_and_lists() -> None:
    common = {"instance_id": "a__b-1", "repo": "a/b", "base_commit": "abc", "problem_statement": "x"}
    from_string = Instance.model_validate({**common, "FAIL_TO_PASS": '["t1", "t2"]', "PASS_TO_PASS": ""})
    from_list = Instance.model_validate({**common, "FAIL_TO_PASS": ["t1", "t2"]})
    assert from_string.FAIL_TO_PASS == from_list.FAIL_TO_PASS == ("t1", "t2")
    assert from_string.PASS_TO_PASS == ()


def test_records_are_frozen_and_strict() -> None:
    usage = Usage(calls=1)
    with pytest.raises(pydantic.ValidationError):
        usage.calls = 2  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Usage.model_validate({"calls": 1, "extra": 1})


def test_usage_adds_up() -> None:
    total = Usage(prompt_tokens=3, calls=1, cost=0.5) + Usage(prompt_tokens=4, completion_tokens=2, calls=2)
    assert (total.prompt_tokens, total.completion_tokens, total.calls, total.cost) == (7, 2, 3, 0.5)


def test_content_id_is_stable_and_short() -> None:
    assert content_id("diff") == content_id("diff")
    assert content_id("diff") != content_id("diff ")
    assert len(content_id("diff")) == 12
