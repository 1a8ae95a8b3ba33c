# emul's own images from a registry's Rust and Debian images, for engines that reach one (Docker
# Desktop, remote engines). Without a registry, `sudo scripts/build-images.sh` makes the same images
# from Debian packages. One build stage, one target per image:
#
#   docker build --target agent   -t emul/agent:latest   .   # every ENI's agent (needed by `emul up`)
#   docker build --target testapp -t emul/testapp:latest .   # the fixtures' task image
#   docker build                  -t emul/emul:latest    .   # emul itself (docker-compose.yml)
#
# Postgres and Redis need nothing: `emul up` pulls the official images where a registry answers.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p emul --bin emul -p emul-agent --bin emul-agent \
    -p emul-testapp --bin testapp

# The ENI agent: holds the ENI's namespace, applies its security groups with nft (the only container
# emul gives NET_ADMIN, in its own namespace), brokers the ALB's upstream sockets.
FROM debian:bookworm-slim AS agent
RUN apt-get update && apt-get install -y --no-install-recommends nftables \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/emul-agent /emul-agent
EXPOSE 7411
ENTRYPOINT ["/emul-agent"]

# The test application every fixture runs; curl and wget for the fixtures' container health checks.
FROM debian:bookworm-slim AS testapp
RUN apt-get update && apt-get install -y --no-install-recommends curl wget ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/testapp /usr/local/bin/testapp
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/testapp"]

# emul itself (the default target): needs only the Docker API (the engine's socket or DOCKER_HOST).
FROM debian:bookworm-slim AS emul
COPY --from=build /src/target/release/emul /usr/local/bin/emul
ENV HOME=/root
EXPOSE 4566 5100
ENTRYPOINT ["/usr/local/bin/emul"]
CMD ["--help"]
