#!/usr/bin/env bash
# The Debian package (debian/, issue 11), as a user gets it: build the
# binary packages with dpkg-buildpackage from a copy of the tree, run
# lintian over them (no tag of any level, pedantic and info included, may
# remain; every override carries its reason in debian/*.lintian-overrides),
# install them for real with dpkg, check what they give a user with no
# LV2_PATH and no source tree, and purge them again, also on any failure.
#
# Installing touches the machine, so the test refuses to run while any of
# our packages is already installed (it would not put a user's back) and
# purges what it installed on every exit path.
#
# Usage: tests/package/test_debian_package.sh   (as root, from anywhere;
# tools/run-tests.sh runs it as one counted step)
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
pkgs=(libssmaudio0 libssmaudio-dev ssmaudio-lv2 ssmaudio-tools ssmaudio-data)
uris=(denoise denoise-stereo resonator reverb model)

fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
[ "$(id -u)" -eq 0 ] || { echo "FAIL the package test installs packages: run it as root"; exit 1; }
for tool in dpkg-buildpackage dh lintian help2man lv2ls lv2info pkg-config sox cc; do
  command -v "$tool" > /dev/null || { echo "FAIL $tool is not installed (tools/debian-packages.txt)"; exit 1; }
done
for p in "${pkgs[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'installed'; then
    echo "FAIL $p is installed on this machine; the test installs and purges its own build:"
    echo "     dpkg --purge ${pkgs[*]}"
    exit 1
  fi
done

t=$(mktemp -d /tmp/ssm-deb.XXXXXX)
installed=0
# dpkg takes its lock or fails at once; wait for another apt/dpkg instead.
dpkg_locked() {
  local i
  for i in $(seq 120); do
    "$@" && return 0
    grep -q 'dpkg frontend lock\|dpkg status database is locked' "$t/dpkg.log" || return 1
    sleep 5
  done
  return 1
}
purge() {
  dpkg_locked dpkg --purge "${pkgs[@]}" > "$t/dpkg.log" 2>&1 || { cat "$t/dpkg.log"; return 1; }
}
cleanup() {
  [ "$installed" -eq 1 ] && purge
  rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. Build from a copy: what git tracks (or would), no build trees; the
# .debs land beside the copy, inside the scratch directory.
src=$t/ssmaudio-$(sed -n '1s/.*(\(.*\)).*/\1/p' "$repo/debian/changelog")
mkdir -p "$src"
if git -C "$repo" rev-parse --git-dir > /dev/null 2>&1; then
  git -C "$repo" ls-files -co --exclude-standard -z | (cd "$repo" && tar --null -T - -cf -) |
    tar -xf - -C "$src"
else
  (cd "$repo" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$src"
fi
start=$(date +%s)
if ! (cd "$src" && nice dpkg-buildpackage -us -uc -b -j"$(nproc)") > "$t/build.log" 2>&1; then
  tail -40 "$t/build.log"
  echo "FAIL dpkg-buildpackage (log above)"
  exit 1
fi
echo "dpkg-buildpackage -us -uc -b: $(($(date +%s) - start)) s"
changes=$(ls "$t"/*.changes)
debs=()
for p in "${pkgs[@]}"; do
  f=$(ls "$t/${p}"_*.deb 2> /dev/null)
  [ -n "$f" ] || { fail "no package $p built"; continue; }
  debs+=("$f")
done
[ "$fails" -eq 0 ] || exit 1

# 2. lintian: nothing at any level, overrides included (an unused override
# is a tag of its own).
lintian --pedantic --display-info --display-experimental "$changes" > "$t/lintian.log" 2>&1
grep -v '^running with root privileges' "$t/lintian.log" | grep -E '^[EWIPX]: ' > "$t/tags"
if [ -s "$t/tags" ]; then
  cat "$t/tags"
  fail "lintian: $(wc -l < "$t/tags") tags (fix, or override with the reason in debian/*.lintian-overrides)"
else
  echo "lintian --pedantic --display-info: clean; overridden, with reasons:" \
    "$(cat "$repo"/debian/*.lintian-overrides | grep -v '^#' | grep -c .) tags"
fi

# 3. No source tree from here on: what the checks below use must come from
# the installed system.
rm -rf "$src"

# 4. Install for real.
installed=1
if ! dpkg_locked dpkg -i "${debs[@]}" > "$t/dpkg.log" 2>&1; then
  cat "$t/dpkg.log"
  fail "dpkg -i"
  exit 1
fi
echo "installed: $(dpkg-query -W -f='${Package} ${Version}, ' "${pkgs[@]}")"

# 5. As a user: no LV2_PATH, a fresh HOME, the tools from /usr/bin.
home=$t/home
mkdir -p "$home"
run() { env -u LV2_PATH -u SSM_PRESETS_PATH HOME="$home" PATH=/usr/bin:/bin "$@"; }
listed=$(run lv2ls)
for u in "${uris[@]}"; do
  grep -qx "http://ssmaudio.org/plugins/$u" <<< "$listed" ||
    fail "lv2ls (no LV2_PATH) does not list http://ssmaudio.org/plugins/$u"
  run lv2info "http://ssmaudio.org/plugins/$u" | grep -q 'Bundle: *file:///usr/lib/lv2/ssmaudio.lv2/' ||
    fail "lv2info: http://ssmaudio.org/plugins/$u is not from /usr/lib/lv2/ssmaudio.lv2"
done
echo "lv2ls, no LV2_PATH: $(grep -c 'ssmaudio.org' <<< "$listed") ssmaudio plugins"
run ssm-info --has-plugin http://ssmaudio.org/plugins/denoise || fail "ssm-info --has-plugin denoise"
sox "$repo/examples/noisy-speech.wav" "$t/in.wav" trim 0 1 || exit 1
run ssm-render -q -j 1 -p http://ssmaudio.org/plugins/denoise "$t/in.wav" -o "$t/render.wav" ||
  fail "ssm-render with the installed plugin"
run ssm-render -q -j 1 --processor denoise "$t/in.wav" -o "$t/processor.wav" ||
  fail "ssm-render --processor denoise with the installed model"
for f in render processor; do
  [ -s "$t/$f.wav" ] && ! cmp -s <(sox "$t/$f.wav" -t raw -) <(sox "$t/in.wav" -t raw -) ||
    fail "ssm-render ($f) output missing or equal to its input"
done
for m in ssm-render ssm-live ssm-info; do
  [ -f "/usr/share/man/man1/$m.1.gz" ] || fail "no manual page for $m"
done
for c in ssm-denoise-mic.conf ssm-denoise-mic-stereo.conf; do
  [ -f "/usr/share/ssmaudio/pipewire/$c" ] || fail "no /usr/share/ssmaudio/pipewire/$c"
done
[ -x /usr/share/ssmaudio/cluster/render-shard.sh ] || fail "no executable render-shard.sh"
# A third party links the library through pkg-config; the default model
# comes from the data package.
cat > "$t/client.c" << 'EOF'
#include <stdio.h>
#include <ssm/ssmaudio.h>
int main(void)
{
    ssm_error err = {0};
    const ssm_processor_desc desc = {.type = "denoise", .n_channels = 1};
    ssm_processor *p = ssm_processor_create(&desc, &err);
    if (!p || ssm_processor_activate(p, 48000.0, 1024, &err) != SSM_OK) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    printf("denoise latency %u\n", ssm_processor_latency(p));
    ssm_processor_destroy(p);
    return 0;
}
EOF
if cc -o "$t/client" "$t/client.c" $(pkg-config --cflags --libs ssmaudio) 2> "$t/cc.log"; then
  out=$(run "$t/client") || fail "a program linked with libssmaudio cannot make the denoiser"
  echo "libssmaudio through pkg-config: $out"
else
  cat "$t/cc.log"
  fail "cannot build against libssmaudio with pkg-config"
fi

# 6. Purge: nothing of ours stays.
if purge; then
  installed=0
  [ ! -e /usr/lib/lv2/ssmaudio.lv2 ] || fail "/usr/lib/lv2/ssmaudio.lv2 is left after purge"
  run lv2ls | grep -q ssmaudio.org && fail "lv2ls still lists ssmaudio plugins after purge"
  echo "purged: no ssmaudio plugin left on the LV2 path"
else
  fail "dpkg --purge"
fi

echo "test_debian_package: $fails failed"
[ "$fails" -eq 0 ]
