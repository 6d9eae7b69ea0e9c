import importlib
import pkgutil

import pytest

import sandbox
import sweagent

MODULES = sorted(
    name
    for package in (sweagent, sandbox)
    for _, name, _ in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"


def test_sandbox_never_imports_sweagent() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sandbox, sandbox.docker, sandbox.pool, sandbox.images; print('sweagent' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
