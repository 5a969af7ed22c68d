# A first image that runs the bot with long polling; hardened further in a later step.
FROM python:3.11-slim

# MPLCONFIGDIR: matplotlib (/stats) caches its fonts there; the non-root user cannot write /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HAKI_DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY bot.py ./
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content

RUN useradd --system --uid 10001 --home-dir /app haki && mkdir /data && chown haki /data
USER haki
VOLUME ["/data"]

CMD ["python", "bot.py", "run"]
