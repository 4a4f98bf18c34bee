# Kosovo Asylum Guide: a static binary in a minimal image, run as a
# non-root user, with its database and key in the /data volume.
#
#   docker build -t asylumguide .
#   docker run -d --name asylumguide -e TELEGRAM_BOT_TOKEN=... -v asylumguide-data:/data -p 127.0.0.1:8080:8080 asylumguide

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/asylumguide ./cmd/asylumguide \
 && mkdir -p /out/data

# distroless/static has CA certificates (for api.telegram.org), time zone
# data and a "nonroot" user (uid 65532), and nothing else: no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/asylumguide /usr/local/bin/asylumguide
COPY --from=build --chown=65532:65532 /out/data /data
ENV ASYLUMGUIDE_DB=/data/asylumguide.db \
    ASYLUMGUIDE_SECRET_FILE=/data/asylumguide.key \
    ASYLUMGUIDE_LISTEN=:8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
# No shell or curl in the image: the binary checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/asylumguide", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/asylumguide"]
