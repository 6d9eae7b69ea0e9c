# The sandbox base image: a Debian userland with Python and git, a non-root user `sandbox`
# (uid 1000) owning /testbed, and the host's CA bundle and pip settings so that pip works behind
# a TLS-intercepting proxy. BASE is `python:<ver>-slim-<dist>` when a registry is reachable, or a
# rootfs made by debootstrap and `docker import` (see sandbox/images/base.py) when it is not.
ARG BASE
FROM ${BASE}
COPY host-ca.crt pip.conf /tmp/sweagent-build/
RUN set -eu; \
    if ! command -v git >/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi; \
    if [ -s /tmp/sweagent-build/host-ca.crt ]; then \
        cp /tmp/sweagent-build/host-ca.crt /etc/ssl/certs/sweagent-host-ca.crt; \
    else \
        ln -s ca-certificates.crt /etc/ssl/certs/sweagent-host-ca.crt; \
    fi; \
    cp /tmp/sweagent-build/pip.conf /etc/pip.conf; \
    rm -rf /tmp/sweagent-build; \
    grep -q '^sandbox:' /etc/group || echo 'sandbox:x:1000:' >> /etc/group; \
    grep -q '^sandbox:' /etc/passwd || echo 'sandbox:x:1000:1000::/home/sandbox:/bin/bash' >> /etc/passwd; \
    mkdir -p /home/sandbox /testbed; \
    chown 1000:1000 /home/sandbox /testbed; \
    git config --system --add safe.directory '*'; \
    git config --system user.name sandbox; \
    git config --system user.email sandbox@sweagent.invalid; \
    git config --system init.defaultBranch main
ENV LANG=C.UTF-8 \
    LC_ALL=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/certs/sweagent-host-ca.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/sweagent-host-ca.crt \
    SSL_CERT_FILE=/etc/ssl/certs/sweagent-host-ca.crt \
    GIT_SSL_CAINFO=/etc/ssl/certs/sweagent-host-ca.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /testbed
CMD ["sleep", "infinity"]
