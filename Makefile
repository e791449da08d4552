# The two commands of the README:
#   make test    install OpenBLAS/LAPACKE if missing, run the XCTest suite (debug build)
#   make bench   install OpenBLAS/LAPACKE if missing, run the benchmark (release build)
#                pass options with ARGS, e.g.  make bench ARGS="sinkhorn --quick --json out.json"
# Other targets: make fixtures (regenerate Fixtures/*.json with the pinned Python packages).

SHELL := /bin/bash
PACKAGES := libopenblas-dev liblapacke-dev
ARGS ?=

# OpenBLAS 0.3.21 falls back to generic "Prescott" kernels on CPUs it does not know; name the
# right family unless the caller already chose one (see README, "OpenBLAS kernels").
CORETYPE := $(shell if grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512vl /proc/cpuinfo; then echo SkylakeX; \
                    elif grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then echo Haswell; fi)
ifeq ($(origin OPENBLAS_CORETYPE), undefined)
  ifneq ($(CORETYPE),)
    export OPENBLAS_CORETYPE := $(CORETYPE)
  endif
endif

.PHONY: deps test bench fixtures

deps:
	@missing=""; \
	for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

test: deps
	@mkdir -p .build
	@set -o pipefail; swift test --disable-swift-testing 2>&1 | tee .build/test.log; status=$$?; \
	summary=$$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" .build/test.log | tail -1 | sed -e 's/^[[:space:]]*//'); \
	echo "XCTest summary: $${summary:-no XCTest summary found}"; \
	exit $$status

bench: deps
	swift run -c release --package-path bench bench $(ARGS)

fixtures:
	cd Fixtures && python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && .venv/bin/python generate.py
