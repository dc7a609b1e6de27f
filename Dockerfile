# RentWave in a container: build on Debian bookworm, run on bookworm-slim with
# only the runtime libraries. tests/dockerfile_test.sh keeps both package
# lists honest (build = scripts/install-deps.sh, runtime = what the binary
# links), since no Docker engine runs where the tests do.

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      grpc-proto golang-github-gogo-googleapis-dev \
      libsqlitecpp-dev libsqlite3-dev libspdlog-dev libgtest-dev \
      libsodium-dev libssl-dev libcli11-dev libcpp-httplib-dev libabsl-dev \
      nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target rentwave

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libabsl20220623 libbrotli1 libc-ares2 libcpp-httplib0.11 libfmt9 \
      libgrpc++1.51 libgrpc29 \
      libprotobuf32 libre2-9 libsodium23 libspdlog1.10 libsqlite3-0 libssl3 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin rentwave \
 && mkdir -p /data && chown rentwave:rentwave /data
COPY --from=build /src/build/app/rentwave /usr/local/bin/rentwave
USER rentwave
VOLUME /data
ENV RENTWAVE_DB=/data/rentwave.db \
    RENTWAVE_GRPC_LISTEN=0.0.0.0:50051 \
    RENTWAVE_HTTP_LISTEN=0.0.0.0:8080
EXPOSE 50051 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["rentwave", "healthcheck", "--grpc-listen", "127.0.0.1:50051"]
ENTRYPOINT ["rentwave"]
CMD ["serve"]
