# minewatch in one image: `minewatch serve` (dashboard + API, the default command) or `minewatch run --no-serve`
# (collectors, scoring, alerts). Build: `docker build -t minewatch .`; run both with compose.yaml.
# Deployment guide: docs/operations.md.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtualenv with the locked dependencies and minewatch itself ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/minewatch
# The exact, hash-checked pins (wheels only: no compiler in the image); rebuilt only when the lock changes.
COPY requirements.lock ./
RUN /opt/minewatch/bin/pip install --require-hashes --no-deps --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY feeds ./feeds
COPY dashboards ./dashboards
# Built with the locked setuptools; --no-deps: everything it needs is already installed from the lock.
RUN /opt/minewatch/bin/pip install --no-deps --no-build-isolation . \
    && /opt/minewatch/bin/pip check

# ---- runtime: the virtualenv on a clean base, run as an unprivileged user ----
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="minewatch" \
      org.opencontainers.image.description="Critical-minerals supply-chain disruption monitor" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/minewatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 minewatch \
    && useradd --system --uid 10001 --gid minewatch --home-dir /var/lib/minewatch --create-home \
       --shell /usr/sbin/nologin minewatch
COPY --from=build /opt/minewatch /opt/minewatch
# The working directory holds the default SQLite store (sqlite:///minewatch.db) on single-node setups.
WORKDIR /var/lib/minewatch
VOLUME ["/var/lib/minewatch"]
USER 10001:10001
EXPOSE 8050
# Probes the dashboard/API process on its default port; `run --no-serve` containers turn it off (compose.yaml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u, urllib.error as e\ntry: u.urlopen('http://127.0.0.1:8050/api/v1/health', timeout=4)\nexcept e.HTTPError as x: raise SystemExit(x.code != 503)"]
ENTRYPOINT ["minewatch"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8050"]
