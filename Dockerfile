# sweagent itself, on the sandbox base image (so it builds without a registry: build the base first
# with `python -m sandbox.images ensure-base`, or pass --build-arg BASE=python:3.11-slim-bookworm).
# It drives the host's engine through the mounted socket:
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock sweagent-tool sandbox exec -- echo hi
ARG BASE=sweagent-base:bookworm
FROM ${BASE}
COPY . /opt/sweagent/src
RUN python3 -m venv /opt/sweagent/venv \
    && /opt/sweagent/venv/bin/pip install --no-cache-dir /opt/sweagent/src \
    && rm -rf /opt/sweagent/src
ENV PATH=/opt/sweagent/venv/bin:$PATH
WORKDIR /work
ENTRYPOINT ["sweagent"]
CMD ["--help"]
