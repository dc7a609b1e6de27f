# The two commands that do everything on a fresh Debian 12 machine:
#   make run    install what is missing, build, serve on ./data/rentwave.db
#   make test   install what is missing, build, run every test (ctest)
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: deps configure build run demo test bench bench-rest bench-search bench-wallet bench-rentals bench-timer clean

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

# A guided tour over REST with curl, on a scratch database (scripts/demo.sh).
demo: build
	scripts/demo.sh $(BUILD)/app/rentwave

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	bench/greeter_bench.sh $(BUILD)

bench-rest: build
	bench/rest_bench.sh $(BUILD)

bench-search: build
	bench/search_bench.sh $(BUILD)

bench-wallet: build
	bench/wallet_bench.sh $(BUILD)

bench-rentals: build
	bench/rental_bench.sh $(BUILD)

# A million rentals are seeded first (minutes); TIMER_RENTALS=20000
# TIMER_DUE=1000 for a quick run.
TIMER_RENTALS ?= 1000000
TIMER_DUE ?= 10000
bench-timer: build
	bench/timer_bench.sh $(BUILD) $(TIMER_RENTALS) $(TIMER_DUE)

clean:
	rm -rf $(BUILD)

# Fuzzes the REST transcoder for FUZZ_SECONDS with libFuzzer (clang, ASan,
# UBSan) in $(FUZZ_BUILD), on a copy of the seed corpus fuzz/corpus/transcoder
# (new inputs stay in $(FUZZ_BUILD)/fuzz/corpus). Fails on any crash,
# sanitizer report, timeout or out-of-memory; the input is saved as
# $(FUZZ_BUILD)/fuzz/artifacts/crash-* (or timeout-*, oom-*).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRENTWAVE_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target transcoder_fuzzer
	rm -rf $(FUZZ_BUILD)/fuzz/corpus
	mkdir -p $(FUZZ_BUILD)/fuzz/corpus $(FUZZ_BUILD)/fuzz/artifacts
	cp fuzz/corpus/transcoder/* $(FUZZ_BUILD)/fuzz/corpus/
	$(FUZZ_BUILD)/fuzz/transcoder_fuzzer $(FUZZ_BUILD)/fuzz/corpus \
	  -dict=fuzz/transcoder.dict -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=4096 -timeout=5 \
	  -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/fuzz/artifacts/
