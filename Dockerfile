# syntax=docker/dockerfile:1
#
# realty as a container: `docker build -t realty .`, then see compose.yaml.
# Two stages: the Rust toolchain builds the single `realty` binary (the
# bundled SQLite needs the C compiler the full rust image has); the runtime
# image is Debian slim, matching the builder's glibc, with only the binary,
# CA certificates and curl (for HEALTHCHECK), running as a non-root user.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
WORKDIR /src
COPY . .
# The cache mounts keep the registry and the target dir between builds
# (BuildKit); the binary is copied out of the cached target dir.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p realty \
    && install -m 0755 target/release/realty /usr/local/bin/realty

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/realty --create-home realty
COPY --from=builder /usr/local/bin/realty /usr/local/bin/realty
USER realty:realty
# The dev profile's SQLite file, if ever used, lands in the user's home.
WORKDIR /var/lib/realty
ENV REALTY_BIND=0.0.0.0:8080 \
    REALTY_PROFILE=prod \
    REALTY_LOG=info
EXPOSE 8080
# /health answers 200 while the process serves; /ready would also fail
# while the database is unreachable.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
# SIGTERM (docker stop) lets in-flight requests finish before exiting.
ENTRYPOINT ["/usr/local/bin/realty"]
CMD ["serve"]
