"""Local stand-ins for web services: only where the tests reach one, and only off the real network."""

from __future__ import annotations

from sweagent.environment import environment_spec
from sweagent.environment.commands import eval_setup_commands
from sweagent.environment.providers import build_info
from sweagent.environment.recipes import environment_dockerfile
from sweagent.environment.services import SERVICES_DIR, served_hosts, start_services_command
from sweagent.evaluation.harness import eval_sandbox_config
from sweagent.records import Instance


def _instance(repo: str, version: str) -> Instance:
    return Instance(
        instance_id="a__b-1", repo=repo, base_commit="0" * 40, problem_statement="", version=version
    )


def test_only_requests_environments_get_the_httpbin_stand_in() -> None:
    requests, flask = _instance("psf/requests", "2.3"), _instance("pallets/flask", "2.3")
    requests_layer = environment_dockerfile(
        environment_spec(requests), "b", with_requirements=False, note="n"
    )
    assert f"python3 -m venv {SERVICES_DIR}" in requests_layer
    assert "httpbin==" in requests_layer
    assert "subjectAltName=DNS:httpbin.org" in requests_layer
    assert 'sweagent.served_hosts="httpbin.org,www.google.co.uk"' in requests_layer
    # Other environments' recipes, and so their image tags, are what they were.
    flask_layer = environment_dockerfile(environment_spec(flask), "b", with_requirements=False, note="n")
    assert SERVICES_DIR not in flask_layer
    assert "served_hosts" not in flask_layer
    assert served_hosts("pallets/flask") == ()
    assert build_info(requests, "exact").served_hosts == ("httpbin.org", "www.google.co.uk")
    assert build_info(flask, "exact").served_hosts == ()


def test_the_grading_setup_starts_the_stand_in_first_and_trusts_its_certificate() -> None:
    setup = eval_setup_commands(_instance("psf/requests", "2.3"))
    assert setup[0] == start_services_command("psf/requests")
    assert setup[0].startswith(f"if [ -f {SERVICES_DIR}/serve.py ]")  # an official image has none
    assert "export REQUESTS_CA_BUNDLE=" in setup[0]
    assert f"cat {SERVICES_DIR}/cert.pem >> requests/cacert.pem" in setup[0]
    assert not any(SERVICES_DIR in step for step in eval_setup_commands(_instance("pallets/flask", "2.3")))


def test_served_names_resolve_to_loopback_unless_the_network_is_real() -> None:
    dropped = eval_sandbox_config("img", 60, network="dropped", served=("httpbin.org",))
    assert dropped.hosts == {"httpbin.org": "127.0.0.1"}
    assert dropped.low_ports
    none = eval_sandbox_config("img", 60, network="none", served=("httpbin.org",))
    assert none.hosts == {"httpbin.org": "127.0.0.1"}
    assert none.low_ports
    real = eval_sandbox_config("img", 60, network="open", served=("httpbin.org",))
    assert real.hosts == {}
    assert not real.low_ports
    assert eval_sandbox_config("img", 60).hosts == {}
