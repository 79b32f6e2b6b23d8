# runbook: build, test, benchmark, and the local lab of real parts.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
# Side-by-side labs: RUNBOOK_LAB_SLOT (0-9) picks state folder, names,
# subnets and ports (lab/slot.sh); slot 0 is the default lab.
export RUNBOOK_LAB_SLOT ?= 0
ifeq ($(RUNBOOK_LAB_SLOT),0)
export RUNBOOK_LAB_DIR ?= /tmp/runbook-lab
else
export RUNBOOK_LAB_DIR ?= /tmp/runbook-lab-slot$(RUNBOOK_LAB_SLOT)
endif
GO ?= go
STATICCHECK_VERSION ?= v0.8.2

.PHONY: all build test test-unit lint bench lab-up lab-down demo example fmt

all: build

build:
	$(GO) build -buildvcs=true -o bin/runbook ./cmd/runbook

# The test command: brings the lab of real parts up, runs every test with
# the lab required (a missing part fails instead of skipping), then stops
# the lab whatever happened.
test:
	@./lab/up.sh; rc=$$?; \
	if [ $$rc -ne 0 ]; then ./lab/down.sh; exit $$rc; fi; \
	RUNBOOK_LAB_REQUIRED=1 $(GO) test -count=1 -timeout 25m ./...; rc=$$?; \
	./lab/down.sh >/dev/null; exit $$rc

# Unit tests only, without the lab (lab tests skip).
test-unit:
	$(GO) test -count=1 ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	staticcheck ./...

fmt:
	gofmt -w $$(git ls-files '*.go')
	$(GO) run ./cmd/runbook fmt runbooks inventories

# Benchmarks: engine micro-benchmarks, then runbook side by side with the
# floors, ansible-playbook and Mitogen on the same lab hosts, in one run
# (bench/compare.sh: 20x20, the mixed runbook over 20 systemd hosts behind
# the latency proxies at 0/25/100 ms, 1,000 hosts; see docs/performance.md).
# The slot's systemd lab is restarted with 20 hosts for it.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/...
	SYSTEMD_HOSTS=20 ./lab/up.sh systemd latency
	./bench/compare.sh

lab-up:
	./lab/up.sh

lab-down:
	./lab/down.sh

# The main job: the seed's scenario on devstack1 (lab/devstack): instance
# test with a Persons row on Trove 18, Trove 23's code installed, then the
# upgrade runbook: check (2, nothing touched), run (2), run again (0), and
# the same row read back. UPGRADE_MODE=in-place (default) or backup-restore.
# Leaves the lab up.
export UPGRADE_MODE
demo:
	./lab/trove-demo.sh

# The first example runbook, on this machine only.
example: build
	./bin/runbook check runbooks/examples/first; rc=$$?; [ $$rc -ne 1 ]
	./bin/runbook run runbooks/examples/first; rc=$$?; [ $$rc -ne 1 ]
	./bin/runbook run runbooks/examples/first; rc=$$?; [ $$rc -ne 1 ]
