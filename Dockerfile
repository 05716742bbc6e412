# gedsi-bot container: build the virtual environment in one stage, run it as a non-root user.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md LICENSE ./
COPY gedsi_bot ./gedsi_bot
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="gedsi-bot" \
      org.opencontainers.image.description="GEDSI webinar series bot for local government offices" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --gid 10001 gedsi \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin gedsi \
    && mkdir -p /data \
    && chown gedsi:gedsi /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY themes.yaml ./
COPY flyers ./flyers
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    GEDSI_DATA_DIR=/data \
    GEDSI_CATALOG=/app/themes.yaml
VOLUME ["/data"]
USER 10001:10001
CMD ["gedsi-bot", "run"]
