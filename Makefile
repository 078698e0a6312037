# dnsprop: DNS propagation measurement and load-test harness.
#
#   make            build ./dnsprop (strict warnings, -Werror)
#   make deps       install the Debian packages the project needs (root)
#   make test       deps, then unit tests and integration tests against a
#                   real lab of nameservers, under ASan+UBSan
#   make run        deps, start the lab, run the quickstart probes
#   make bench      probe engine against dnsperf on a real Knot server
#   make asan/tsan  sanitized binaries ./dnsprop-asan, ./dnsprop-tsan
#   make format / format-check
#   make install    PREFIX=/usr/local DESTDIR=: the binary, the man pages,
#                   the example scenarios and Prometheus alert rules
#   make uninstall  removes exactly what install laid out

CC      ?= cc
PKGS    := libcares jansson hiredis inih libcurl ldns libmicrohttpd
TESTPKG := criterion
# libcsv ships no pkg-config file on Debian 12; fall back to -lcsv.
CSV_CFLAGS := $(shell pkg-config --cflags libcsv 2>/dev/null)
CSV_LIBS   := $(shell pkg-config --libs libcsv 2>/dev/null || echo -lcsv)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-align \
           -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings \
           -Wformat=2 -Wvla -Wundef -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -I. -MMD -MP \
              $(PKG_CFLAGS) $(CSV_CFLAGS)
LDLIBS  := $(PKG_LIBS) $(CSV_LIBS) -lpthread -lm

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
TSAN_FLAGS := -O1 -g -fsanitize=thread

# Every .c of a stage folder is part of the library; the commands are the
# CLI. Adding a file to a folder needs no edit here.
LIB_DIRS := harness/common probes storage plot plot/assess harness/scenario \
            harness/targets harness/serve harness/driver
LIB_SRC := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRC := $(wildcard harness/cmd/*.c)
TEST_UNIT_SRC := $(wildcard tests/unit/test_*.c)
TEST_INT_SRC  := $(wildcard tests/integration/test_*.c)

B := build
SHELL := /bin/bash

.PHONY: all deps asan tsan test unit integration run bench soak format format-check fuzz fuzz-replay \
        fuzz-test \
        clean lab-up lab-down check-deps install uninstall
all: dnsprop

# --- objects per variant -------------------------------------------------
# V=1 shows the commands.
Q := $(if $(V),,@)
$(B)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@
$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(B)/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -c $< -o $@

objs = $(patsubst %.c,$(B)/$(1)/%.o,$(2))

dnsprop: $(call objs,rel,$(LIB_SRC) $(CLI_SRC))
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
dnsprop-asan: $(call objs,asan,$(LIB_SRC) $(CLI_SRC))
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)
dnsprop-tsan: $(call objs,tsan,$(LIB_SRC) $(CLI_SRC))
	$(CC) $(TSAN_FLAGS) -o $@ $^ $(LDLIBS)
asan: dnsprop-asan
tsan: dnsprop-tsan

TEST_LIBS := $(shell pkg-config --libs $(TESTPKG) 2>/dev/null)
$(B)/test-unit-asan: $(call objs,asan,$(LIB_SRC) $(TEST_UNIT_SRC))
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)
$(B)/test-int-asan: $(call objs,asan,$(LIB_SRC) $(TEST_INT_SRC) tests/integration/labenv.c)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) $(TEST_LIBS)
$(B)/probe-bench: $(call objs,rel,$(LIB_SRC) tests/bench/probe_bench.c)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/store-bench: $(call objs,rel,$(LIB_SRC) tests/bench/store_bench.c)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/compare-bench: $(call objs,rel,$(LIB_SRC) tests/bench/compare_bench.c)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/plot-bench: $(call objs,rel,$(LIB_SRC) tests/bench/plot_bench.c)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(B)/mhd-bare: $(call objs,rel,$(LIB_SRC) tests/bench/mhd_bare.c)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
# Small drivers the CLI tests run against real servers.
$(B)/%-tool: $(call objs,rel,$(LIB_SRC)) $(B)/rel/tests/cli/%_tool.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# --- dependencies --------------------------------------------------------
deps:
	@tests/deps.sh

# --- tests ---------------------------------------------------------------
test: deps
	@$(MAKE) --no-print-directory all dnsprop-asan $(B)/test-unit-asan \
	    $(B)/test-int-asan dnsprop-tsan $(B)/rfc2136-tool $(B)/zonesync-tool
	@tests/run-tests.sh

run: deps
	@$(MAKE) --no-print-directory all
	@tests/quickstart.sh

bench: deps
	@$(MAKE) --no-print-directory all $(B)/probe-bench $(B)/store-bench $(B)/compare-bench \
	    $(B)/plot-bench $(B)/mhd-bare
	@tests/bench/bench.sh

# a steady campaign against the lab for SOAK_MINUTES (60), its RSS read
# each minute: memory that does not grow with the campaign's length
soak: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/soak.sh

# --- fuzzing (clang, libFuzzer) ----------------------------------------
FUZZ_TARGETS := dnsmsg rdata csv scenario optable results serve zonefile
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -I. $(PKG_CFLAGS)
$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC)
	@mkdir -p $(B)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS)
fuzz: $(addprefix $(B)/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(B)/fuzz-corpus/$$t; \
	    $(B)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(B)/fuzz-corpus/$$t \
	        tests/fuzz/corpus/$$t || exit 1; \
	done
# make test: the committed corpora, then a fixed number of runs from a
# fixed seed, so that the same tree always gives the same verdict (longer,
# open-ended fuzzing is `make fuzz`).
FUZZ_RUNS ?= 30000
fuzz-test: $(addprefix $(B)/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    rm -rf $(B)/fuzz-test/$$t; mkdir -p $(B)/fuzz-test/$$t; \
	    if $(B)/fuzz_$$t -seed=1 -runs=$(FUZZ_RUNS) $(B)/fuzz-test/$$t \
	        tests/fuzz/corpus/$$t >$(B)/fuzz-test/$$t.log 2>&1; then \
	        tail -1 $(B)/fuzz-test/$$t.log; \
	    else \
	        grep -v '^    #' $(B)/fuzz-test/$$t.log | tail -25; exit 1; \
	    fi; \
	done
# Replay the committed corpora (no fuzzing).
fuzz-replay: $(addprefix $(B)/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    $(B)/fuzz_$$t -runs=0 tests/fuzz/corpus/$$t 2>&1 | tail -1 || exit 1; \
	done

# --- style ---------------------------------------------------------------
FMT_SRC = $(shell find harness probes storage plot tests -name '*.[ch]')
format:
	clang-format -i $(FMT_SRC)
format-check:
	clang-format --dry-run --Werror $(FMT_SRC)

clean:
	rm -rf $(B) dnsprop dnsprop-asan dnsprop-tsan

# --- install (GNU directory variables; DESTDIR for staged installs) -------
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/dnsprop
INSTALL ?= install
MAN_PAGES := harness/cmd/man/dnsprop.1 harness/cmd/man/dnsprop.ini.5
EXAMPLES  := $(wildcard workloads/*.ini) workloads/example-ops.csv workloads/sync.zone
EXAMPLES_HTTP := $(wildcard workloads/http/*.ini)
PROM_FILES := workloads/prometheus/alerts.yml workloads/prometheus/alerts_test.yml
# Every file install lays out, so that uninstall removes exactly those.
INSTALLED := $(BINDIR)/dnsprop $(MANDIR)/man1/dnsprop.1 $(MANDIR)/man5/dnsprop.ini.5 \
             $(addprefix $(DATADIR)/examples/,$(notdir $(EXAMPLES))) \
             $(addprefix $(DATADIR)/examples/http/,$(notdir $(EXAMPLES_HTTP))) \
             $(addprefix $(DATADIR)/prometheus/,$(notdir $(PROM_FILES)))

install: dnsprop
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(DATADIR)/examples/http $(DESTDIR)$(DATADIR)/prometheus
	$(INSTALL) -m 755 dnsprop $(DESTDIR)$(BINDIR)/dnsprop
	$(INSTALL) -m 644 harness/cmd/man/dnsprop.1 $(DESTDIR)$(MANDIR)/man1/dnsprop.1
	$(INSTALL) -m 644 harness/cmd/man/dnsprop.ini.5 $(DESTDIR)$(MANDIR)/man5/dnsprop.ini.5
	$(INSTALL) -m 644 $(EXAMPLES) $(DESTDIR)$(DATADIR)/examples/
	$(INSTALL) -m 644 $(EXAMPLES_HTTP) $(DESTDIR)$(DATADIR)/examples/http/
	$(INSTALL) -m 644 $(PROM_FILES) $(DESTDIR)$(DATADIR)/prometheus/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR)/examples/http $(DESTDIR)$(DATADIR)/examples \
	    $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR) 2>/dev/null

-include $(shell find $(B) -name '*.d' 2>/dev/null)
