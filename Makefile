# The two commands that do everything on a fresh Debian 12 machine:
#   make run    install what is missing, build, serve on ./data/rentwave.db
#   make test   install what is missing, build, run every test (ctest), then
#               fuzz each libFuzzer target for 30 s
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: deps configure build run demo soak test test-asan test-tsan fuzz fuzz-build fuzz-transcoder fuzz-rpc bench bench-greeter bench-rest bench-search bench-wallet bench-rentals bench-timer clean

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

# Soak for DURATION seconds: virtual users drive every kind of call while the
# server is SIGKILLed and restarted at random; then every acknowledged write
# is checked in the database and `rentwave verify` must pass
# (tests/soak/soak.py; e.g. SOAK_ARGS="--seed 42 --users 16").
DURATION ?= 300
SOAK_ARGS ?=
soak: build
	/usr/bin/python3 tests/soak/soak.py $(BUILD)/app/rentwave proto \
	  /usr/share/gocode/src/github.com/gogo/googleapis \
	  --duration $(DURATION) $(SOAK_ARGS)

# Every test, then each libFuzzer target for FUZZ_TEST_SECONDS (a clang
# build in $(FUZZ_BUILD); see fuzz/README.md).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 30
test: build fuzz-build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	fuzz/run.sh $(FUZZ_BUILD) transcoder $(FUZZ_TEST_SECONDS)
	fuzz/run.sh $(FUZZ_BUILD) rpc $(FUZZ_TEST_SECONDS)

# The whole test suite on a build instrumented with AddressSanitizer and
# UndefinedBehaviorSanitizer (any report fails the test that caused it).
ASAN_BUILD ?= build-asan
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRENTWAVE_SANITIZE=address,undefined
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && \
	  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS)

# The whole test suite on a build instrumented with ThreadSanitizer. Debian's
# gRPC, protobuf and abseil are not instrumented: tests/sanitizers/tsan.supp
# names the reports that only their hidden synchronization causes (each line
# says why). Reports go to $(TSAN_BUILD)/tsan-reports/, one file per process
# that reported (a server a test starts as well as the test itself); the first
# report stops its process, and any report at all fails the target, even one
# from a server that its test then killed.
TSAN_BUILD ?= build-tsan
TSAN_REPORTS = $(abspath $(TSAN_BUILD))/tsan-reports
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRENTWAVE_SANITIZE=thread
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	cd $(TSAN_BUILD) && \
	  TSAN_OPTIONS="suppressions=$(CURDIR)/tests/sanitizers/tsan.supp halt_on_error=1 second_deadlock_stack=1 history_size=4 log_path=$(TSAN_REPORTS)/tsan" \
	  ctest --output-on-failure -j$(JOBS); status=$$?; \
	  if ls $(TSAN_REPORTS)/tsan.* >/dev/null 2>&1; then \
	    cat $(TSAN_REPORTS)/tsan.*; \
	    echo "test-tsan: ThreadSanitizer reports in $(TSAN_REPORTS)"; exit 1; \
	  fi; exit $$status

# Every benchmark, then docs/PERFORMANCE.md from what they printed (about
# 25 minutes: the timer benchmark seeds a million rentals first).
bench: build
	bench/report.sh $(BUILD)

bench-greeter: build
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

# Fuzzes for FUZZ_SECONDS each with libFuzzer (clang, ASan, UBSan) in
# $(FUZZ_BUILD) (fuzz/run.sh): `make fuzz` both targets, one after the other;
# `make fuzz-transcoder` the REST transcoder alone, `make fuzz-rpc` every RPC
# through the whole server. Each starts from a copy of its checked-in corpus
# (fuzz/corpus/TARGET; new inputs stay in $(FUZZ_BUILD)/fuzz/corpus-TARGET)
# and fails on any crash, sanitizer report, timeout or out-of-memory, the
# input saved in $(FUZZ_BUILD)/fuzz/artifacts-TARGET/. `make test` runs both
# for FUZZ_TEST_SECONDS.
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRENTWAVE_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target transcoder_fuzzer rpc_fuzzer
fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) transcoder $(FUZZ_SECONDS)
	fuzz/run.sh $(FUZZ_BUILD) rpc $(FUZZ_SECONDS)
fuzz-transcoder: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) transcoder $(FUZZ_SECONDS)
fuzz-rpc: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) rpc $(FUZZ_SECONDS)
