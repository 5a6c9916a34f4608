FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/bot.sqlite3 \
    HEALTH_PORT=8081

WORKDIR /app
# The dependencies first, in a layer of their own that a code change doesn't rebuild: exact
# versions from the runtime lock, every file checked against its hash.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
# The bot itself, with nothing more: its dependencies and its build backend (setuptools) are
# already there from the lock.
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin botuser \
    && mkdir /data && chown botuser /data

USER botuser
VOLUME ["/data"]
# 8080: Telegram's webhook POSTs plus /healthz and /metrics (webhook mode, WEBHOOK_PORT).
# 8081: /healthz and /metrics next to long polling (HEALTH_PORT; set it empty to turn it off).
EXPOSE 8080 8081
# The health check asks whichever of the two servers runs; with neither it reports unhealthy,
# so keep HEALTH_PORT set in polling mode (the default here) or use webhook mode.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('WEBHOOK_PORT', '8080') if os.environ.get('WEBHOOK_URL') else os.environ.get('HEALTH_PORT', ''); urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
# SIGTERM (and SIGINT): stop taking updates, let work under way finish within SHUTDOWN_TIMEOUT
# (default 8 s, under Docker's 10 s grace), keep unfinished tasks in /data, exit 0.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
