# The two commands that do everything on a fresh Debian 12 machine:
#   make run    install what is missing, build, serve on ./data/rentwave.db
#   make test   install what is missing, build, run every test (ctest)
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: deps configure build run test bench clean

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	mkdir -p data
	$(BUILD)/app/rentwave serve --db data/rentwave.db \
	  --grpc-listen 127.0.0.1:50051 --http-listen 127.0.0.1:8080

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	bench/greeter_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
