"""Local stand-ins for the web services an instance's tests reach, served inside its sandbox.

The official harness grades with the real network, so tests that call a public service pass there
while it answers: old requests releases test against httpbin.org (`http://httpbin.org/` unless
HTTPBIN_URL says otherwise, and a few `https://httpbin.org/...` URLs written out). A grading here
never hands model-written code the internet, so the environment image of such a repository carries
the service itself: httpbin (the application httpbin.org runs) under gunicorn's threaded workers
(which, as httpbin.org did, keep connections alive and read chunked bodies), in a venv of its own at
/opt/sweagent-services, with a self-signed certificate for the host names. A grading setup step
starts it on loopback (ports 80 and 443); the grading sandbox resolves the names to loopback and lets
the sandbox user bind those ports (`served_hosts` in the environment's record says which names). A
redirect target that a test follows only to read the headers (www.google.co.uk) is served by the
same server.

HTTPS clients must trust the stand-in's certificate: the setup exports REQUESTS_CA_BUNDLE (the
system's certificates and the stand-in's) and appends the certificate to the CA bundle the
repository vendors, when it has one (old requests verifies against `requests/cacert.pem` whatever
the environment says). That change is made in the grading sandbox only, after the patches are
applied, and a reset of the sandbox undoes it.
"""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass

__all__ = ["SERVICES_DIR", "served_hosts", "services_step", "start_services_command"]

SERVICES_DIR = "/opt/sweagent-services"
"""The stand-ins' own venv, certificate and launcher: nothing the tested environment imports."""
CA_BUNDLE = f"{SERVICES_DIR}/ca-bundle.pem"
"""The system's CA certificates and the stand-in's own, for clients that verify HTTPS."""


@dataclass(frozen=True)
class _Served:
    hosts: tuple[str, ...]
    """The host names the repository's tests reach and the stand-in serves."""
    bundles: tuple[str, ...] = ()
    """CA bundles the repository vendors (relative to /testbed), which its HTTPS clients trust."""


_SERVED = {
    # httpbin.org's tests; one of them follows a redirect to www.google.co.uk and reads only the headers.
    "psf/requests": _Served(("httpbin.org", "www.google.co.uk"), ("requests/cacert.pem",)),
}
_PACKAGES = ("httpbin==0.10.4", "flask==3.1.3", "werkzeug==3.1.9", "gunicorn==23.0.0")
"""The stand-in's packages, pinned so that the image's recipe (and tag) says what it serves."""
_LAUNCHER = f"{SERVICES_DIR}/serve.py"

SERVE_SCRIPT = r'''"""sweagent: start httpbin under gunicorn on loopback, HTTP on 80, HTTPS on 443."""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LOG = "/tmp/sweagent-services.log"
TLS = ["--certfile", os.path.join(HERE, "cert.pem"), "--keyfile", os.path.join(HERE, "key.pem")]


def answering(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def main():
    ports = {80: [], 443: TLS}
    with open(LOG, "ab") as log:
        for port, tls in ports.items():
            if answering(port):
                continue  # served already (an earlier setup in this sandbox)
            # Threaded workers keep connections alive and read chunked bodies, as httpbin.org did.
            command = [os.path.join(HERE, "bin", "gunicorn"), "--worker-class", "gthread", "--threads", "8",
                       "--bind", "127.0.0.1:%d" % port, *tls, "httpbin:app"]
            subprocess.Popen(command, cwd=HERE, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
    deadline = time.monotonic() + 60
    while not all(answering(port) for port in ports):
        if time.monotonic() > deadline:
            sys.exit("sweagent: httpbin did not answer on ports 80 and 443 within 60 s; see " + LOG)
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def served_hosts(repo: str) -> tuple[str, ...]:
    """The host names a stand-in serves for `repo`'s tests (none for most repositories)."""
    served = _SERVED.get(repo)
    return served.hosts if served else ()


def services_step(repo: str) -> str:
    """The environment layer's `RUN` line (as root) that installs `repo`'s stand-ins; '' when none."""
    hosts = served_hosts(repo)
    if not hosts:
        return ""
    names = ",".join(f"DNS:{host}" for host in hosts)
    launcher = base64.b64encode(SERVE_SCRIPT.encode()).decode()
    return (
        f"RUN python3 -m venv {SERVICES_DIR} \\\n"
        f"  && {SERVICES_DIR}/bin/python -m pip install --no-input --progress-bar off --no-cache-dir "
        f"{' '.join(shlex.quote(package) for package in _PACKAGES)} \\\n"
        f"  && echo {launcher} | base64 -d > {_LAUNCHER} \\\n"
        f"  && openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN={hosts[0]} "
        f"-addext subjectAltName={names} -keyout {SERVICES_DIR}/key.pem -out {SERVICES_DIR}/cert.pem \\\n"
        # A throwaway key of a test service: the sandbox user that serves it must read it.
        f"  && chmod 644 {SERVICES_DIR}/key.pem \\\n"
        f"  && cat /etc/ssl/certs/ca-certificates.crt {SERVICES_DIR}/cert.pem > {CA_BUNDLE}\n"
    )


def start_services_command(repo: str) -> str:
    """The grading setup step that starts the image's stand-ins, if it has any, and trusts their certificate.

    In an image without them (an official one) it does nothing, and the tests reach what the
    sandbox's network gives them.
    """
    served = _SERVED.get(repo, _Served(()))
    trust = [f"export REQUESTS_CA_BUNDLE={CA_BUNDLE}"]
    for bundle in served.bundles:
        quoted = shlex.quote(bundle)
        trust.append(f"if [ -f {quoted} ]; then cat {SERVICES_DIR}/cert.pem >> {quoted}; fi")
    return f"if [ -f {_LAUNCHER} ]; then {SERVICES_DIR}/bin/python {_LAUNCHER} && {' && '.join(trust)}; fi"
