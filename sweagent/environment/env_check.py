"""The check an instance image passes before it is trusted, run as the last step of its build.

`pip check` must find no broken requirement. When the broken one is the repository's own (pylint
2.15 wants astroid>=2.12 where swebench's spec pinned 2.11.7), the repository wins, as in the
environment the official harness would have resolved: pip installs what it asks for, then checks
again. Each version the spec pins must be the one installed, unless the repository's own
requirements exclude it (then a note says so). The repository's packages must import, from
/testbed when installed in editable mode. A failure ends the build with the problems last in its
log, so the EnvironmentBuildError that build raises names the packages.

The script is plain text written into the build context; it runs on the image's Python (3.9 or
later, standard library and pip's vendored `packaging` only).
"""

from __future__ import annotations

import json
import re
import shlex

from sweagent.environment.specs import EnvironmentSpec

__all__ = ["ENV_CHECK_SCRIPT", "env_check_command", "spec_pins"]

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^=;,\s]+)$")

ENV_CHECK_SCRIPT = r'''"""sweagent: is this environment what the spec and the repository ask for?"""
import json
import re
import subprocess
import sys
from importlib import import_module, metadata

from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.version import InvalidVersion, Version

TESTBED = "/testbed"
BROKEN = re.compile(
    r"^(\S+) \S+ (?:has requirement (.+), but you have .*|requires (.+), which is not installed\.)$"
)
SKIPPED = ("test", "tests", "testing", "doc", "docs")


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def installed():
    return {norm(d.metadata["Name"] or ""): d for d in metadata.distributions()}


def own_distribution():
    """The distribution installed from /testbed, and whether it is editable."""
    for dist in metadata.distributions():
        text = dist.read_text("direct_url.json")
        if text:
            url = json.loads(text)
            if url.get("url", "").rstrip("/") == "file://" + TESTBED:
                return dist, bool(url.get("dir_info", {}).get("editable"))
        elif str(dist.locate_file("")).startswith(TESTBED):
            return dist, True  # `setup.py develop` or a legacy editable install: metadata in /testbed
    return None, False


def pip_check():
    done = subprocess.run(
        [sys.executable, "-m", "pip", "check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True,
    )
    return [] if done.returncode == 0 else [line.strip() for line in done.stdout.splitlines() if line.strip()]


def repair(lines, own):
    """Install what the repository's own distribution requires and pip check found missing or wrong."""
    wanted = []
    for line in lines:
        match = BROKEN.match(line)
        if match and own is not None and norm(match.group(1)) == norm(own.metadata["Name"]):
            wanted.append(match.group(2) or match.group(3))
    if not wanted:
        return False
    print("sweagent env check: the repository requires " + "; ".join(wanted) + " (over the spec's pins)")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-input", *wanted])
    return True


def same(have, pinned):
    try:
        return Version(have) == Version(pinned)
    except InvalidVersion:
        return have == pinned


def pin_problems(pins, own):
    requires = {}
    for text in (own.requires or []) if own is not None else []:
        requirement = Requirement(text)
        if requirement.marker is None or "extra" not in str(requirement.marker):
            requires[norm(requirement.name)] = requirement
    dists, problems, notes = installed(), [], []
    for name, version in pins.items():
        dist = dists.get(norm(name))
        if dist is None:
            problems.append("pin: " + name + "==" + version + " (the spec's pin) is not installed")
            continue
        have = dist.version
        if same(have, version):
            continue
        wanted = requires.get(norm(name))
        if wanted is not None and not wanted.specifier.contains(version, prereleases=True):
            why = ": the repository requires " + str(wanted)
            notes.append(name + " " + have + " instead of the spec's " + version + why)
        else:
            problems.append("pin: " + name + " " + have + " is installed, the spec pins " + version)
    return problems, notes


def import_problems(own, editable):
    if own is None:
        print("sweagent env check: no distribution is installed from " + TESTBED + "; import not checked")
        return []
    declared = (own.read_text("top_level.txt") or "").split()
    names = declared or [norm(own.metadata["Name"]).replace("-", "_")]
    problems = []
    for name in names:
        if not name.isidentifier() or name.startswith("_") or name in SKIPPED:
            continue
        try:
            module = import_module(name)
        except ModuleNotFoundError as err:
            if not declared and err.name == name:  # a name guessed from the distribution's: no finding
                print("sweagent env check: no module " + name + " (guessed from the distribution name)")
                continue
            problems.append("import " + name + ": " + type(err).__name__ + ": " + str(err)[:200])
            continue
        except Exception as err:  # any failure to import is the finding
            problems.append("import " + name + ": " + type(err).__name__ + ": " + str(err)[:200])
            continue
        where = str(getattr(module, "__file__", "") or next(iter(getattr(module, "__path__", [])), ""))
        if editable and not where.startswith(TESTBED):
            problems.append("import " + name + ": loaded from " + where + ", not from " + TESTBED)
    return problems


def main():
    pins = json.loads(sys.argv[1])
    own, editable = own_distribution()
    broken = pip_check()
    if broken and repair(broken, own):
        broken = pip_check()
    problems = ["pip check: " + line for line in broken]
    pinned, notes = pin_problems(pins, own)
    problems += pinned + import_problems(own, editable)
    for note in notes:
        print("sweagent env check: note: " + note)
    if problems:
        print("sweagent env check failed (" + str(len(problems)) + " problem(s)):")
        for problem in problems:
            print("  " + problem)
        sys.exit(1)
    print("sweagent env check: ok")


main()
'''


def spec_pins(spec: EnvironmentSpec) -> dict[str, str]:
    """`name==version` pins of the spec's packages, the later one winning (pip installs them in order)."""
    pins: dict[str, str] = {}
    for requirement in (*spec.packages, *spec.pip_packages):
        match = _PIN.match(requirement.strip())
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def env_check_command(spec: EnvironmentSpec, script_path: str) -> str:
    """The shell line that runs the check (written at `script_path`) against the spec's pins."""
    return f"python {script_path} {shlex.quote(json.dumps(spec_pins(spec), sort_keys=True))}"
