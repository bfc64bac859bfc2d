# syntax=docker/dockerfile:1.7
# One image for every ecart service: `docker run <image> serve <service>` (default: the
# gateway, which also serves the web UI). Three stages, so that Node, npm and pip's build
# state never reach the shipped image:
#   web      builds the React UI (web/dist) with Node
#   build    builds ecart's wheel and installs it with its runtime dependencies into a venv
#   runtime  the venv and the built UI on a slim Python, as a non-root user
#
# Base images are pinned to an exact patch version. Digests are added and kept current by
# Dependabot/Renovate (`docker` ecosystem) where the registry can be reached; this repository
# never carries a digest nobody verified (see deploy/README.md, "The image").
# Both Python stages must use the same image: the venv's interpreter links to it.

FROM node:20.20.2-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# The wheel holds the package data too (alembic versions, script.py.mako, password list);
# only the [project] dependencies are installed, never the dev extras.
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m pip wheel --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install /wheels/ecart-*.whl \
    && /opt/venv/bin/pip uninstall --yes pip

FROM python:3.11.14-slim-bookworm AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="ecart" \
      org.opencontainers.image.description="ecart services (one image; run: serve <service>) and the web UI" \
      org.opencontainers.image.source="https://github.com/ecart/ecart" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# The data dir is only written by the embedded default (dev keys, .eml files without SMTP);
# in production mount a volume or an emptyDir there and keep the root file system read-only.
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ECART_HOST=0.0.0.0 \
    ECART_DATA_DIR=/var/lib/ecart \
    ECART_GATEWAY_WEB_DIR=/opt/ecart/web
RUN groupadd --system --gid 10001 ecart \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin ecart \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/ecart
COPY --from=build /opt/venv /opt/venv
COPY --from=web /web/dist /opt/ecart/web
USER 10001:10001
WORKDIR /var/lib/ecart
EXPOSE 8000 8001 8002 8003 8004 8005 8006 8007
# Probes the service this container serves: the name after `serve` in PID 1's command line
# (the gateway when none), on ECART_<SERVICE>_PORT or the service's default port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; from ecart.platform.settings import SERVICE_PORTS as P; a = [x.decode() for x in open('/proc/1/cmdline', 'rb').read().split(b'\\0')]; s = a[a.index('serve') + 1] if 'serve' in a[:-1] else 'gateway'; p = int(os.environ.get(f'ECART_{s.upper()}_PORT') or P[s]); urllib.request.urlopen(f'http://127.0.0.1:{p}/health', timeout=4)"]
ENTRYPOINT ["ecart"]
CMD ["serve", "gateway"]
