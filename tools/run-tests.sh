#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what is needed, then build and
# test twice (release with -Werror; ASan+UBSan), a valgrind pass over the
# kernel and engine suites, the clang-format/clang-tidy lint and the Debian
# package build. Ends with the line "N passed, N failed" and
# exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash tools/scripts/install-deps.sh || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
jobs=$(nproc)

# count LOG: add the results of one meson test run (meson names the log
# testlog.json, or testlog-SETUP.json for a --setup run).
count() {
  local log="$1" ok bad
  if [ ! -s "$log" ]; then
    failed=$((failed + 1))
    return
  fi
  # Skipped tests count as failures: a test that cannot check is not a pass.
  ok=$(grep -cE '"result": "(OK|EXPECTEDFAIL)"' "$log" || true)
  bad=$(grep -cvE '"result": "(OK|EXPECTEDFAIL)"' "$log" || true)
  passed=$((passed + ok))
  failed=$((failed + bad))
}

# build DIR ARGS...: configure and compile; a failed build counts as a failure.
build() {
  local dir=$1
  shift
  rm -rf "$dir"
  if ! meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1; then
    cat "$dir.setup.log"
    echo "configure failed: $dir"
    failed=$((failed + 1))
    return 1
  fi
  if ! meson compile -C "$dir" -j "$jobs"; then
    echo "build failed: $dir"
    failed=$((failed + 1))
    return 1
  fi
}

start=$(date +%s)
if build build-ci-release --buildtype=release; then
  meson test -C build-ci-release --num-processes "$jobs" --print-errorlogs
  count build-ci-release/meson-logs/testlog.json
  meson test -C build-ci-release --setup valgrind --suite kernels --suite engine --no-suite fpu \
    --num-processes "$jobs" --print-errorlogs
  count build-ci-release/meson-logs/testlog-valgrind.json
  if bash tools/scripts/lint.sh build-ci-release; then
    passed=$((passed + 1))
  else
    echo "FAIL lint: clang-format / clang-tidy (tools/scripts/lint.sh)"
    failed=$((failed + 1))
  fi
fi

# The kernels again with the AVX-512 clones left out (-Dsimd_max=v3), so an
# AVX-512 machine also runs the AVX2+FMA code every AVX2-only CPU gets. Only
# the kernel suite's programs are built.
rm -rf build-ci-v3
if meson setup build-ci-v3 -Dwerror=true --buildtype=release -Dsimd_max=v3 \
     >build-ci-v3.setup.log 2>&1 &&
   mapfile -t ktests < <(meson introspect build-ci-v3 --targets | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and "/tests/kernels/" in t["defined_in"]:
        print(t["name"])') &&
   meson compile -C build-ci-v3 -j "$jobs" "${ktests[@]}"; then
  meson test -C build-ci-v3 --suite kernels --no-rebuild --num-processes "$jobs" --print-errorlogs
  count build-ci-v3/meson-logs/testlog.json
else
  cat build-ci-v3.setup.log
  echo "build failed: build-ci-v3 (kernels, simd_max=v3)"
  failed=$((failed + 1))
fi

if build build-ci-sanitize --buildtype=debugoptimized -Db_sanitize=address,undefined \
     -Db_lundef=false; then
  meson test -C build-ci-sanitize --setup sanitize --num-processes "$jobs" --print-errorlogs
  count build-ci-sanitize/meson-logs/testlog-sanitize.json
fi
# A short libFuzzer run over the safetensors loader (a tiny clang build of its own).
if bash tools/scripts/fuzz-model.sh 25; then
  passed=$((passed + 1))
else
  echo "FAIL fuzz: tools/scripts/fuzz-model.sh found a crash (see build-fuzz/)"
  failed=$((failed + 1))
fi
# The Debian package (debian/): dpkg-buildpackage, lintian, a real install
# (lv2ls finds the plugins with no LV2_PATH), purge.
if bash tests/package/test_debian_package.sh; then
  passed=$((passed + 1))
else
  echo "FAIL package: tests/package/test_debian_package.sh"
  failed=$((failed + 1))
fi
echo "test time: $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
