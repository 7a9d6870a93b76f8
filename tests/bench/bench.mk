# tests/bench/bench.mk - `make bench` (and `make bench-quick`): the shim's cost
# against an empty preloaded .so and against no preload, measured side by side.
# Builds the bench programs into build/bench/ and runs tests/bench/run.sh, which
# prints a table (README, Performance) and always exits 0.
# Included by the Makefile before its own rules: keep its default goal.
BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

BENCH_DIR    := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Ishim -Ishim/core
BENCH_BINS   := $(BENCH_DIR)/bench_calls $(BENCH_DIR)/bench_spawn $(BENCH_DIR)/empty.so $(BENCH_DIR)/stub.so \
               $(BENCH_DIR)/arena.so $(BENCH_DIR)/bench_supervise

.PHONY: bench bench-quick
bench: $(BUILD)/libnoclobber.so $(BUILD)/noclobber $(BENCH_BINS)
	@bash tests/bench/run.sh $(BENCH_DIR) $(BUILD)/libnoclobber.so $(BUILD)/noclobber

# Fewer trials and rounds: a first look in about a third of the time.
bench-quick: $(BUILD)/libnoclobber.so $(BUILD)/noclobber $(BENCH_BINS)
	@BENCH_QUICK=1 bash tests/bench/run.sh $(BENCH_DIR) $(BUILD)/libnoclobber.so $(BUILD)/noclobber

$(BENCH_DIR)/bench_calls: tests/bench/bench_calls.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $< -o $@ -ldl -pthread

# Static: --supervise's cost alone, no preload in it.
$(BENCH_DIR)/bench_supervise: tests/bench/bench_supervise.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -static $< -o $@

$(BENCH_DIR)/bench_spawn: tests/bench/bench_spawn.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $< -o $@

# The floor of every preload: a preloaded shared object with nothing in it.
$(BENCH_DIR)/empty.so: tests/bench/empty.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) -fPIC -shared -O2 $< -o $@

# An empty .so but for one mapping the size of the shim's arena, made at start.
$(BENCH_DIR)/arena.so: tests/bench/arena.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) -fPIC -shared -O2 -Wall -Wextra $< -o $@

# Preloaded after the shim: mmap and munmap that never enter the kernel.
$(BENCH_DIR)/stub.so: tests/bench/stub.c tests/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) -fPIC -shared -O2 $< -o $@

.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
