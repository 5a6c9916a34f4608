FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/bot.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin botuser \
    && mkdir /data && chown botuser /data

USER botuser
VOLUME ["/data"]
# aiogram stops polling cleanly on SIGINT/SIGTERM; unfinished tasks stay in /data.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
