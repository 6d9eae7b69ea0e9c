from hypothesis import given
from hypothesis import strategies as st

from sandbox.result import ExecResult, OutputBuffer


def test_short_output_is_kept_whole() -> None:
    buffer = OutputBuffer(limit=100)
    buffer.write(b"hello ")
    buffer.write(b"world")
    assert buffer.text() == "hello world"
    assert buffer.total == 11


def test_long_output_is_cut_in_the_middle_with_a_note() -> None:
    buffer = OutputBuffer(limit=10)
    for _ in range(1000):
        buffer.write(b"0123456789")
    text = buffer.text()
    assert text.startswith("01234")
    assert text.endswith("56789")
    assert "[... 9990 bytes cut from the middle of 10000 bytes of output ...]" in text


def test_invalid_utf8_is_replaced_not_raised() -> None:
    buffer = OutputBuffer(limit=100)
    buffer.write(b"ok \xff\xfe end")
    assert buffer.text() == "ok \ufffd\ufffd end"


@given(chunks=st.lists(st.binary(max_size=50), max_size=40), limit=st.integers(min_value=2, max_value=64))
def test_head_and_tail_survive_any_chunking(chunks: list[bytes], limit: int) -> None:
    buffer = OutputBuffer(limit=limit)
    for chunk in chunks:
        buffer.write(chunk)
    data = b"".join(chunks)
    assert buffer.total == len(data)
    half = limit // 2
    if len(data) <= 2 * half:
        assert buffer.text() == data.decode("utf-8", errors="replace")
    else:
        assert buffer.text().startswith(data[:half].decode("utf-8", errors="replace"))
        assert buffer.text().endswith(data[-half:].decode("utf-8", errors="replace"))
        assert f"{len(data) - 2 * half} bytes cut" in buffer.text()


def test_ok_requires_a_clean_finish() -> None:
    assert ExecResult(exit_code=0).ok
    assert not ExecResult(exit_code=1).ok
    assert not ExecResult(exit_code=None, timed_out=True).ok
    assert not ExecResult(exit_code=0, infra_error="engine gone").ok
