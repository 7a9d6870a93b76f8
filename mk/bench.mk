# mk/bench.mk - `make bench`: the shim's cost against the same calls without it.
# Builds the bench programs into build/bench/ and runs bench/run.sh, which prints
# a table (case, without, with, ratio, target, verdict) and always exits 0.
# Included by the Makefile before its own rules: keep its default goal.
BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

BENCH_DIR    := $(BUILD)/bench
BENCH_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Ishim
BENCH_BINS   := $(BENCH_DIR)/bench_calls $(BENCH_DIR)/bench_spawn $(BENCH_DIR)/empty.so

.PHONY: bench
bench: $(BUILD)/libnoclobber.so $(BENCH_BINS)
	@bash bench/run.sh $(BENCH_DIR) $(BUILD)/libnoclobber.so

$(BENCH_DIR)/bench_calls: bench/bench_calls.c mk/bench.mk
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $< -o $@ -ldl -pthread

$(BENCH_DIR)/bench_spawn: bench/bench_spawn.c mk/bench.mk
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $< -o $@

# The start-up baseline: a preloaded shared object with nothing in it.
$(BENCH_DIR)/empty.so: bench/empty.c mk/bench.mk
	@mkdir -p $(@D)
	$(CC) -fPIC -shared -O2 $< -o $@

.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
