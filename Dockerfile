# An image with `swirl` as its entry point. Not built by the tests (see README, "In pre-commit and CI").
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libyaml-dev libpq-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The Swift runtime and Foundation linked in: the image below needs no Swift toolchain.
RUN swift build -c release --static-swift-stdlib --product swirl

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libyaml-0-2 libpq5 libsqlite3-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/swirl /usr/local/bin/swirl
ENTRYPOINT ["swirl"]
