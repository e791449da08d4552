#!/usr/bin/env bash
# Builds Tests/Consumer the way a user's package uses Kantorovich: a clone of this checkout's HEAD,
# tagged 0.1.0, reached through a file:// git URL and `from: "0.1.0"`, in release. Then checks that
# no unsafe flags were needed (SwiftPM refuses them in a versioned dependency, so the build itself
# proves it), that the bench's argument parser was not resolved, that the program's answers are
# right, and that the OpenBLAS kernel diagnostic reaches the user.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git clone -q "$root" "$work/kantorovich"
git -C "$work/kantorovich" -c user.name=consumer-check -c user.email=consumer-check@localhost tag -f 0.1.0 >/dev/null
cp -R "$root/Tests/Consumer" "$work/consumer"
cd "$work/consumer"
export KANTOROVICH_URL="file://$work/kantorovich"

echo "consumer: building against $KANTOROVICH_URL at 0.1.0 (release)"
if ! swift build -c release > build.log 2>&1; then tail -n 40 build.log; exit 1; fi
tail -n 1 build.log
if grep -qi "swift-argument-parser" Package.resolved 2>/dev/null || [ -d .build/checkouts/swift-argument-parser ]; then
  echo "consumer: FAILED — depending on a library product resolved swift-argument-parser"
  exit 1
fi
echo "ok    no swift-argument-parser among the consumer's dependencies"

./.build/release/consumer

# The OpenBLAS diagnostic: with generic kernels forced on a CPU that has AVX2, the library says
# so once on standard error.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
  err="$(OPENBLAS_CORETYPE=Prescott ./.build/release/consumer --kernel-diagnostic 2>&1 >/dev/null)"
  count="$(printf '%s\n' "$err" | grep -c "OPENBLAS_CORETYPE=" || true)"
  if [ "$count" != "1" ]; then
    echo "consumer: FAILED — expected one OpenBLAS kernel warning on stderr, got $count:"
    printf '%s\n' "$err"
    exit 1
  fi
  echo "ok    generic OpenBLAS kernels are reported once: $err"
fi
