# The two commands of the README:
#   make test    install OpenBLAS/LAPACKE if missing, run the XCTest suite (debug build), then
#                build a consumer package against a tagged clone of this checkout (release)
#                and the distributed checks under mpirun with 1, 2 and 4 ranks (make test-mpi)
#   make bench   install OpenBLAS/LAPACKE if missing, run the benchmark (release build)
#                pass options with ARGS, e.g.  make bench ARGS="sinkhorn --quick --json out.json"
#   make bench-mpi RANKS=4 ARGS="--json out.json"   the distributed suite under mpirun
# Other targets: make docs (DocC for every library target, 0 warnings), make consumer,
# make sanitize (AddressSanitizer and ThreadSanitizer runs),
# make fixtures (regenerate Fixtures/*.json with the pinned Python packages).

SHELL := /bin/bash
PACKAGES := libopenblas-dev liblapacke-dev libopenmpi-dev openmpi-bin
RANKS ?= 4
# mpirun as root needs --allow-run-as-root; more ranks than cores need --oversubscribe.
MPIRUN := mpirun --oversubscribe --mca btl_vader_single_copy_mechanism none --mca mpi_yield_when_idle 1 $(shell [ "$$(id -u)" -eq 0 ] && echo --allow-run-as-root)
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

.PHONY: deps test test-mpi bench bench-mpi fixtures docs consumer sanitize

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
	[ $$status -eq 0 ] || exit $$status; \
	$(MAKE) --no-print-directory test-mpi && bash scripts/check-consumer.sh

# The distributed checks (every distributed routine against the single-process one) under mpirun
# with 1, 2 and 4 ranks, then a run in which one rank throws: it must end with the error printed
# and a non-zero status within the timeout, not hang.
test-mpi: deps
	swift build --product DistributedChecks
	@for p in 1 2 4; do \
	  timeout 600 $(MPIRUN) -np $$p .build/debug/DistributedChecks || { echo "distributed checks failed on $$p ranks"; exit 1; }; \
	done
	@set +e; timeout 120 $(MPIRUN) -np 4 .build/debug/DistributedChecks --fail-on 2 > .build/mpi-fail.log 2>&1; status=$$?; \
	if [ $$status -eq 0 ] || [ $$status -eq 124 ] || ! grep -q "rank 2 of 4: .*fails on purpose" .build/mpi-fail.log; then \
	  cat .build/mpi-fail.log; echo "a failing rank did not end the run cleanly (status $$status)"; exit 1; fi; \
	echo "distributed checks: a failing rank ends the run with its message (status $$status)"

# A package that depends on a tagged clone of this checkout by URL, in release (part of make test).
consumer: deps
	bash scripts/check-consumer.sh

bench: deps
	swift run -c release --package-path bench bench $(ARGS)

# The distributed suite on RANKS ranks (rank 0 writes the records). One BLAS thread per rank.
bench-mpi: deps
	swift build -c release --package-path bench --product bench
	OPENBLAS_NUM_THREADS=1 $(MPIRUN) -np $(RANKS) bench/.build/release/bench distributed --threads 1 $(ARGS)

fixtures:
	cd Fixtures && python3 -m venv .venv && .venv/bin/pip install -q -r requirements.txt && .venv/bin/python generate.py

# DocC for every library target; any warning fails (the plugin is resolved only here).
DOC_TARGETS := LinearAlgebra OptimalTransport SlicedWasserstein SensitivitySampling GaussianProcessPDE KantorovichMPI
docs: deps
	@for t in $(DOC_TARGETS); do \
	  echo "docs: $$t"; \
	  KANTOROVICH_DOCS=1 swift package --disable-sandbox generate-documentation --target $$t --warnings-as-errors \
	    > .build/docs-$$t.log 2>&1 || { cat .build/docs-$$t.log; exit 1; }; \
	  if grep -q "^warning:" .build/docs-$$t.log; then cat .build/docs-$$t.log; exit 1; fi; \
	done; echo "docs: every library target generated with 0 warnings"

# The test suite under AddressSanitizer (all but the slowest numeric tests, which ASan's debug build
# makes take tens of minutes: the 2000-row LP fixture and the GP solver convergence runs; the
# hostile sweep runs in full), then the parallel kernels' tests under ThreadSanitizer. Leak
# detection is off: the only leaks reported are XCTest's own test-case objects.
ASAN_SKIP := L1SensitivityFixtureTests|GaussianProcessPDETests.(SolverTests|KroneckerSolverTests|AdamKroneckerTests)
TSAN_FILTER := LinearAlgebraTests.LogSumExpTests|OptimalTransportTests.(SinkhornTests|SinkhornNewtonSparseTests|EntropicDualTests)|SlicedWassersteinTests.SlicedWassersteinTests|SensitivitySamplingTests.ScoresTests
sanitize: deps
	ASAN_OPTIONS=detect_leaks=0 swift test --disable-swift-testing --sanitize=address --scratch-path .build-asan --skip "$(ASAN_SKIP)"
	TSAN_OPTIONS=halt_on_error=1 swift test --disable-swift-testing --sanitize=thread --scratch-path .build-tsan --filter "$(TSAN_FILTER)"
