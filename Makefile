# Capstan: the commands users type. The build itself is CMake + Ninja; tests run under CTest.
BUILD ?= build
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
export PATH := $(CURDIR)/tools/bin:$(CURDIR)/$(BUILD)/bin:$(PATH)

.PHONY: all deps configure check unit asan fuzz bench demo format clean

all: configure
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps.sh

configure:
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja >/dev/null

check: deps all
	@scripts/check.sh $(BUILD)

asan: deps
	@test -f build-asan/build.ninja || cmake -S . -B build-asan -G Ninja -DCAP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 scripts/check.sh build-asan

fuzz: deps
	@test -f build-fuzz/build.ninja || CC=clang cmake -S . -B build-fuzz -G Ninja -DCAP_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@scripts/fuzz.sh build-fuzz/fuzz $(FUZZ_SECONDS)

bench: deps all
	@scripts/bench.sh $(BUILD)

demo: deps all
	@scripts/demo.sh $(BUILD)

format:
	@find src tests bench -name '*.[ch]' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) build-asan build-fuzz
