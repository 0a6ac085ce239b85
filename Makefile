# mechlab front door. CMake is the build; this file only maps make targets
# and variables onto it and onto the mechlab CLI (build/mechlab).
#
#   make run EXP=falseshare [THREADS=1,2] [QUICK=1] [REPS=9] [COUNTERS=auto]
#            [SET="stride=8,64"] [OUT=results] [ARGS="--no-plot"]
#   make run EXP=all QUICK=1
#   make test [LABEL=runtime|torture|...] | list | describe EXP=... | counters | compare EXP=... | clean
#   V=1 shows the build's own output (by default it goes to build/*.log)
#   make report [RUN=results/<machine>/<exp>/<run-id>]   report.html
#   make index          results/index.html: every run, linking its report
#   make gobench        Go 1.19's figures for the runtime experiments
#   make fleet STUDY=caches [OUT=results]   submit a study to Slurm
#        (then: build/mechlab fleet status|report STUDY; studies/README.md)
#   make gcbench        ours, Boehm and Go on the GC benchmark, one table
#                       ([QUICK=1] [REPS=5])
#
# The first use installs missing system packages (scripts/setup-deps.sh),
# configures and builds.

BUILD    ?= build
EXP      ?= falseshare
TYPE     ?= Release
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

# Variables reach the shell as data, never as code. A value given on the
# command line (`make run 'EXP=falseshare;echo hi'`, or 'EXP=$(shell ...)')
# is taken literally: $(value) stops make from expanding it, and every use
# in a recipe is single-quoted by q (a ' inside becomes '\''), so the shell
# sees one argument and mechlab rejects it with its usual message (unknown
# experiment, bad --set, ...) having changed nothing. A newline cannot be
# quoted for make's recipe lines, so a value holding one is refused here.
# SET and ARGS are lists: each word is quoted on its own.
USER_VARS := BUILD EXP TYPE JOBS THREADS QUICK REPS COUNTERS OUT MIN_TIME \
             WARMUP SET ARGS LABEL STUDY RUN V
define newline


endef
$(foreach v,$(USER_VARS),$(if $(filter command line environment,\
    $(origin $(v))),$(eval override $(v) := $$(value $(v)))))
$(foreach v,$(USER_VARS),$(if $(findstring $(newline),$(value $(v))),\
    $(error $(v): a newline is not accepted in a make variable)))
q = '$(subst ','\'',$(1))'

MECHLAB  := $(call q,$(BUILD)/mechlab)

RUN_FLAGS := $(if $(THREADS),--threads $(call q,$(THREADS))) \
             $(if $(filter 1 yes true,$(QUICK)),--quick) \
             $(if $(REPS),--reps $(call q,$(REPS))) \
             $(if $(COUNTERS),--counters $(call q,$(COUNTERS))) \
             $(if $(OUT),--out $(call q,$(OUT))) \
             $(if $(MIN_TIME),--min-time $(call q,$(MIN_TIME))) \
             $(if $(WARMUP),--warmup $(call q,$(WARMUP))) \
             $(foreach s,$(SET),--set $(call q,$(s))) \
             $(foreach a,$(ARGS),$(call q,$(a)))

.PHONY: all deps configure build run test list describe counters compare \
        report index gobench gcbench fleet lint format clean

all: build

deps:
	@scripts/setup-deps.sh

# The build speaks only when it has something to say: its output goes to
# $(BUILD)/configure.log and $(BUILD)/build.log, a successful build that
# compiled something says so in one line, a failed one prints its errors
# (and the log's name). V=1 shows everything as it happens.
ifeq ($(V),1)
QUIET_REDIR =
else
QUIET_REDIR = > "$$log" 2>&1
endif
quiet = log=$(call q,$(BUILD)/$(1).log); \
	if $(2) $(QUIET_REDIR); then \
	  n=$$(grep -cE '(Building|Linking) ' "$$log" 2>/dev/null || true); \
	  [ "$${n:-0}" -eq 0 ] || echo "mechlab: $(1): $$n steps ($$log)"; \
	else \
	  grep -E -A3 'error|Error' "$$log" 2>/dev/null | head -40; \
	  echo "mechlab: $(1) failed; the whole log: $$log" >&2; exit 1; \
	fi

$(BUILD)/CMakeCache.txt:
	@scripts/setup-deps.sh
	@mkdir -p $(call q,$(BUILD))
	@$(call quiet,configure,cmake -S . -B $(call q,$(BUILD)) -DCMAKE_BUILD_TYPE=$(call q,$(TYPE)))

configure: $(BUILD)/CMakeCache.txt

build: configure
	@scripts/setup-deps.sh
	@$(call quiet,build,cmake --build $(call q,$(BUILD)) -j $(call q,$(JOBS)))

run: build
	@$(MECHLAB) run $(call q,$(EXP)) $(RUN_FLAGS)

list: build
	@$(MECHLAB) list

describe: build
	@$(MECHLAB) describe $(call q,$(EXP))

counters: build
	@$(MECHLAB) counters

compare: build
	@$(MECHLAB) compare $(call q,$(EXP)) $(if $(OUT),--out $(call q,$(OUT)))

# report.html of a run (default: the newest), and the index of all runs.
report: build
	$(MECHLAB) report $(if $(RUN),$(call q,$(RUN))) $(if $(OUT),--out $(call q,$(OUT)))

index: build
	$(MECHLAB) report --index $(if $(OUT),--out $(call q,$(OUT)))

# A study across the nodes of the Slurm cluster that SLURM_CONF (or the
# system's configuration) names: checked, written and submitted as a job
# array; `mechlab fleet status|report STUDY` follow it.
STUDY ?= caches
fleet: build
	$(MECHLAB) fleet run $(call q,$(STUDY)) $(if $(OUT),--out $(call q,$(OUT)))

# Go's own figures for the runtime experiments, on this machine (needs go).
gobench:
	scripts/gobench.sh

# The GC benchmark for all three collectors back to back (needs go for Go's).
gcbench: build
	REPS=$(REPS) OUT=$(OUT) scripts/gcbench.sh \
	    $(if $(filter 1 yes true,$(QUICK)),--quick)

test: build
	cd $(call q,$(BUILD)) && ctest --output-on-failure -j $(call q,$(JOBS)) $(if $(LABEL),-L $(call q,$(LABEL)),-LE torture)

lint: configure
	cppcheck --project=$(call q,$(BUILD)/compile_commands.json) --enable=warning,performance,portability --inline-suppr --quiet -i$(call q,$(BUILD))
	run-clang-tidy -p $(call q,$(BUILD)) -quiet 'harness/|runtime/|experiments/' 2>/dev/null || clang-tidy -p $(call q,$(BUILD)) harness/*.c

format:
	clang-format -i harness/*.c harness/*.h harness/*.cc runtime/*.c runtime/*.h experiments/*.c tests/*.c

clean:
	rm -rf $(call q,$(BUILD))
