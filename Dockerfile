# emul/emul from a registry's Rust and Debian images, for users whose engine reaches one. Without a
# registry, `scripts/build-images.sh --only emul` makes the same image from Debian packages.
# Used by the top-level docker-compose.yml (`docker-compose build`).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p emul --bin emul

FROM debian:bookworm-slim
COPY --from=build /src/target/release/emul /usr/local/bin/emul
EXPOSE 4566 5100
ENTRYPOINT ["/usr/local/bin/emul"]
CMD ["--help"]
