"""Instance environments for evaluation and sandboxes, from providers tried in order.

`environment.providers` (default `official,build`, see `providers.py`): `official` pulls the
SWE-bench harness's prebuilt image and adapts it (`official.py`); `build` builds one here, in three
layers from SWE-bench's specs (below). `sweagent images plan` says which serves each instance, or
why none can, without building anything (`plan_command.py`).

1. **base** (`sweagent-base:<dist>`, `sandbox.images.ensure_base`): Debian with its Python (bookworm:
   3.11, bullseye: 3.9), git, the user `sandbox` (uid 1000), the host's CA bundle and pip settings.
2. **environment** (`sweagent-env:<repo>-<version>-<hash>`), one per repository and version: a venv at
   /opt/venv (first on PATH, owned by uid 1000) holding the spec's requirements file (read from the
   local repository, not GitHub; a conda environment.yml is translated to pip), packages and pinned
   pip packages. A spec asking for a Python that no base provides exactly is `UnsupportedInstance`,
   unless `environment.python=nearest`: then the nearest base serves and the environment is
   approximate, which every record, result and report built on it says. A repository whose tests
   reach a web service (requests: httpbin.org) also gets a local stand-in for it (`services.py`).
3. **instance** (`sweagent-instance:<instance_id>-<hash>`): the checkout (history up to the commit
   only) at /testbed, the spec's pre-install steps, the install command; `git diff` starts clean.

Tags hash everything that shapes the image (base image id, recipe text, requirements, commit), so an
existing tag is reused as is and a changed recipe gets a new one. Every image carries `sweagent.*`
labels. `test_command` and `eval_setup_commands` give what an evaluation runs inside the image.
"""

from sweagent.environment.build import ensure_environment_image, ensure_instance_image
from sweagent.environment.commands import eval_setup_commands, test_command, test_directives
from sweagent.environment.images_command import build_images_command
from sweagent.environment.plan_command import plan_command
from sweagent.environment.providers import EnvironmentProviders, PlannedEnvironment
from sweagent.environment.specs import EnvironmentSpec, dist_for_python, environment_spec
from sweagent.errors import EnvironmentBuildError, UnsupportedInstance

__all__ = [
    "EnvironmentBuildError",
    "EnvironmentProviders",
    "EnvironmentSpec",
    "PlannedEnvironment",
    "UnsupportedInstance",
    "build_images_command",
    "dist_for_python",
    "ensure_environment_image",
    "ensure_instance_image",
    "environment_spec",
    "eval_setup_commands",
    "plan_command",
    "test_command",
    "test_directives",
]
