# Build: docker build -t manualbot .
# Run (Socket Mode; see bot/README.md "Run in Docker" for HTTP mode, a model and ingesting):
#   docker run -d --name manualbot -v manualbot-data:/data -v /srv/models:/models:ro \
#     -e MANUALBOT_SLACK_BOT_TOKEN=xoxb-... -e MANUALBOT_SLACK_APP_TOKEN=xapp-... \
#     -e MANUALBOT_MODEL_PATH=/models/SmolLM2-135M-Instruct -p 9090:9090 manualbot
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOEXPERIMENT=simd CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/manualbot .

FROM debian:bookworm-slim
# poppler-utils reads PDF manuals; ca-certificates for Slack's API over TLS.
RUN apt-get update && apt-get install -y --no-install-recommends poppler-utils ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data manualbot \
    && mkdir -p /data /etc/manualbot && chown manualbot /data
COPY --from=build /out/manualbot /usr/local/bin/manualbot
# The config every command of the image reads (ENTRYPOINT's --config). It is the
# documented example, all defaults; mount your own over it
# (-v ./manualbot.yaml:/etc/manualbot/manualbot.yaml:ro) or set MANUALBOT_* variables,
# which override the file.
COPY configs/manualbot.example.yaml /etc/manualbot/manualbot.yaml
USER manualbot
# Inside the container the metrics listener must take connections from outside it, or the
# published port 9090 reaches nothing (the config's default is 127.0.0.1:9090); publish it
# only where scrapers are.
ENV MANUALBOT_DATA_DIR=/data \
    MANUALBOT_LOG_FORMAT=json \
    MANUALBOT_SLACK_METRICS_LISTEN=0.0.0.0:9090 \
    MANUALBOT_SLACK_LISTEN=:3000
VOLUME ["/data"]
WORKDIR /data
# 3000: HTTP mode's POST /slack/events. 9090: /healthz and /metrics.
EXPOSE 3000 9090
# /healthz is 200 only while the Slack connection is up.
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
    CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["manualbot", "--config", "/etc/manualbot/manualbot.yaml"]
CMD ["serve"]
