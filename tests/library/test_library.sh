#!/usr/bin/env bash
# The installed library as a third party sees it. Installs the build into a
# scratch DESTDIR, then checks: include/ssm holds each public header once and
# nothing else, each compiles on its own, `nm -D` of libssmaudio.so lists
# exactly the functions those headers declare (no private symbol out, no
# public one missing), and a client links through pkg-config both shared
# and static (--static, every archive member pulled in) and runs.
# Usage: test_library.sh BUILDDIR SRCDIR SANITIZE PKG-CONFIG CC...
set -euo pipefail
build=$1 src=$2 sanitize=$3 pkgconf=$4
shift 4
cc=("$@" -std=c17 -Wall -Wextra -Werror)
[ "$sanitize" = none ] || cc+=("-fsanitize=$sanitize")
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
check() { # check WHAT COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

meson install -C "$build" --no-rebuild --quiet --destdir "$t/root" --tags devel,runtime > "$t/install.log"
pc=$(find "$t/root" -name ssmaudio.pc)
prefix=$("$pkgconf" --variable=prefix "$pc")
pkg() { PKG_CONFIG_PATH=$(dirname "$pc") "$pkgconf" --define-variable=prefix="$t/root$prefix" "$@" ssmaudio; }
inc=$(pkg --variable=includedir)
libdir=$(pkg --variable=libdir)

# 1. Headers: the source's public headers, each once, nothing more.
(cd "$src" && ls kernels/include/ssm/*.h engine/include/ssm/*.h | xargs -n1 basename | sort) > "$t/want.txt"
(cd "$inc/ssm" && ls) | sort > "$t/have.txt"
check "include/ssm holds the $(wc -l < "$t/want.txt") public headers of kernels/ and engine/" \
  diff "$t/want.txt" "$t/have.txt"
check "no header is installed twice" \
  test "$(grep -c '/include/ssm/' "$build/meson-logs/install-log.txt")" -eq "$(wc -l < "$t/want.txt")"
alone=1
for h in $(cat "$t/have.txt"); do
  echo "#include \"ssm/$h\"" > "$t/one.c"
  "${cc[@]}" -I"$inc" -fsyntax-only "$t/one.c" || { echo "ssm/$h does not compile on its own"; alone=0; }
done
check "each installed header compiles on its own" test $alone -eq 1

# 2. Exports: declared functions (gcc -aux-info: NC = a prototype, not an
# inline definition) against the library's defined dynamic symbols.
sed 's|.*|#include "ssm/&"|' "$t/have.txt" > "$t/all.c"
"${cc[@]}" -I"$inc" -fsyntax-only -aux-info "$t/aux.txt" "$t/all.c"
grep -F "$inc/ssm/" "$t/aux.txt" | grep ':NC \*/' | grep -v ' static ' |
  sed -E 's/^.*\*\/ extern [^(]*[ *]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' | sort -u > "$t/declared.txt"
# ifunc resolvers (name.resolver, from target_clones) are the compiler's.
nm -D --defined-only "$libdir/libssmaudio.so" | awk '{print $3}' | sed 's/@.*//' |
  grep -v '\.' | sort -u > "$t/exported.txt"
comm -23 "$t/exported.txt" "$t/declared.txt" > "$t/private.txt"
comm -13 "$t/exported.txt" "$t/declared.txt" > "$t/missing.txt"
echo "libssmaudio.so: $(wc -l < "$t/exported.txt") dynamic symbols, $(wc -l < "$t/declared.txt") functions declared in include/ssm"
check "no symbol outside the installed headers is exported: $(tr '\n' ' ' < "$t/private.txt")" \
  test ! -s "$t/private.txt"
check "every declared function is exported: $(tr '\n' ' ' < "$t/missing.txt")" \
  test ! -s "$t/missing.txt"

# 3. pkg-config: a client, shared, then static with the whole archive.
cflags=$(pkg --cflags)
# shellcheck disable=SC2046
check "a client links against libssmaudio.so (pkg-config --libs)" \
  "${cc[@]}" $cflags "$src/tests/library/client.c" -o "$t/client" $(pkg --libs) -lm
check "and runs" env LD_LIBRARY_PATH="$libdir" "$t/client"
static_libs=$(pkg --static --libs | sed 's/-lssmaudio\b//')
# shellcheck disable=SC2046,SC2086
check "a client links libssmaudio.a whole with pkg-config --static --libs" \
  "${cc[@]}" $cflags "$src/tests/library/client.c" -o "$t/client-static" \
  -Wl,--whole-archive "$libdir/libssmaudio.a" -Wl,--no-whole-archive $static_libs
check "and runs without the shared library" "$t/client-static"
check "which it does not load" sh -c "! ldd '$t/client-static' | grep -q libssmaudio"
exit $fail
