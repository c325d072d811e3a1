# Build: docker build -t manualbot .
# Run:   docker run -v manualbot-data:/data -v /path/to/models:/models:ro \
#          -e MANUALBOT_SLACK_BOT_TOKEN=... -e MANUALBOT_SLACK_APP_TOKEN=... manualbot serve
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
    && mkdir -p /data && chown manualbot /data
COPY --from=build /out/manualbot /usr/local/bin/manualbot
COPY configs/manualbot.example.yaml /etc/manualbot/manualbot.example.yaml
USER manualbot
ENV MANUALBOT_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
EXPOSE 3000 9090
ENTRYPOINT ["manualbot"]
CMD ["serve"]
