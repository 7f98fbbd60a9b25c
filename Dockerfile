# m2m proxy image.
#
#   docker build -t m2m .
#   docker run --rm -p 8080:8080 -e M2M_PROXY_UPSTREAM=http://inference:11434/v1 m2m
#
# BASE is any Debian-family image; python:3.11-slim (the default) already has Python, a bare Debian
# base (e.g. one made with scripts/base-image) gets python3 from apt in the first stage.
# Behind a TLS-inspecting proxy, hand pip the CA bundle as a build secret:
#   docker build --secret id=pip_cert,src=/etc/ssl/certs/ca-certificates.crt -t m2m .
# and a private package index with --build-arg PIP_INDEX_URL=...
ARG BASE=python:3.11-slim

FROM ${BASE} AS runtime
RUN if ! command -v python3 >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends python3 ca-certificates \
        && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    fi \
    && groupadd --system --gid 10001 m2m \
    && useradd --system --uid 10001 --gid m2m --create-home --home-dir /home/m2m \
        --shell /usr/sbin/nologin m2m

FROM runtime AS build
RUN if ! python3 -c "import ensurepip" >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends python3-venv \
        && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    fi \
    && python3 -m venv /opt/m2m
ARG PIP_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
# Dependencies first: this layer is reused until pyproject.toml changes.
COPY pyproject.toml ./
RUN --mount=type=secret,id=pip_cert \
    if [ -f /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
    && if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi \
    && python3 -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && /opt/m2m/bin/pip install -q -r /tmp/requirements.txt
COPY README.md ./
COPY src ./src
RUN --mount=type=secret,id=pip_cert \
    if [ -f /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
    && if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi \
    && /opt/m2m/bin/pip install -q --no-deps . \
    && /opt/m2m/bin/pip uninstall -q -y pip setuptools

FROM runtime
LABEL org.opencontainers.image.title="m2m" \
      org.opencontainers.image.description="m2m proxy: lossless compression, token counts and a prompt-injection screen for OpenAI-style LLM API traffic" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /opt/m2m /opt/m2m
# The image listens on all interfaces; the port stays 8080 unless M2M_PROXY_PORT, --port or the
# config file's listen/port says otherwise.
ENV PATH=/opt/m2m/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    M2M_PROXY_HOST=0.0.0.0
USER 10001:10001
WORKDIR /home/m2m
EXPOSE 8080/tcp 8443/udp
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('M2M_PROXY_PORT', '8080'), timeout=4)"]
# Exec form: m2m is PID 1 and gets SIGTERM itself; uvicorn then finishes in-flight requests.
STOPSIGNAL SIGTERM
ENTRYPOINT ["m2m", "proxy"]
