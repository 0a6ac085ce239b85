# mechlab front door. CMake is the build; this file only maps make targets
# and variables onto it and onto the mechlab CLI (build/mechlab).
#
#   make run EXP=falseshare [THREADS=1,2] [QUICK=1] [REPS=9] [COUNTERS=auto]
#            [SET="stride=8,64"] [OUT=results] [ARGS="--no-plot"]
#   make run EXP=all QUICK=1
#   make test | list | describe EXP=... | counters | compare EXP=... | clean
#   make gobench        Go 1.19's figures for the runtime experiments
#   make gcbench        ours, Boehm and Go on the GC benchmark, one table
#                       ([QUICK=1] [REPS=5])
#
# The first use installs missing system packages (scripts/setup-deps.sh),
# configures and builds.

BUILD    ?= build
EXP      ?= falseshare
TYPE     ?= Release
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
MECHLAB  := $(BUILD)/mechlab

RUN_FLAGS := $(if $(THREADS),--threads $(THREADS)) \
             $(if $(filter 1 yes true,$(QUICK)),--quick) \
             $(if $(REPS),--reps $(REPS)) \
             $(if $(COUNTERS),--counters $(COUNTERS)) \
             $(if $(OUT),--out $(OUT)) \
             $(if $(MIN_TIME),--min-time $(MIN_TIME)) \
             $(if $(WARMUP),--warmup $(WARMUP)) \
             $(foreach s,$(SET),--set $(s)) \
             $(ARGS)

.PHONY: all deps configure build run test list describe counters compare \
        gobench gcbench lint format clean

all: build

deps:
	@scripts/setup-deps.sh

$(BUILD)/CMakeCache.txt:
	@scripts/setup-deps.sh
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE)

configure: $(BUILD)/CMakeCache.txt

build: configure
	@scripts/setup-deps.sh
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(MECHLAB) run $(EXP) $(RUN_FLAGS)

list: build
	@$(MECHLAB) list

describe: build
	@$(MECHLAB) describe $(EXP)

counters: build
	@$(MECHLAB) counters

compare: build
	$(MECHLAB) compare $(EXP) $(if $(OUT),--out $(OUT))

# Go's own figures for the runtime experiments, on this machine (needs go).
gobench:
	scripts/gobench.sh

# The GC benchmark for all three collectors back to back (needs go for Go's).
gcbench: build
	scripts/gcbench.sh $(if $(filter 1 yes true,$(QUICK)),--quick)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(if $(LABEL),-L $(LABEL))

lint: configure
	cppcheck --project=$(BUILD)/compile_commands.json --enable=warning,performance,portability --inline-suppr --quiet -i$(BUILD)
	run-clang-tidy -p $(BUILD) -quiet 'harness/|runtime/|experiments/' 2>/dev/null || clang-tidy -p $(BUILD) harness/*.c

format:
	clang-format -i harness/*.c harness/*.h harness/*.cc runtime/*.c runtime/*.h experiments/*.c tests/*.c

clean:
	rm -rf $(BUILD)
