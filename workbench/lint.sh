#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: what a maintainer runs on a series before reviewing it, one
# "ok NAME" / "not ok NAME - why" line per check (check.py host counts them):
#   series/git-am          make series: git am of the series onto 7.3.4 gives
#                          the make source tree
#   checkpatch/NNNN        scripts/checkpatch.pl --strict on each patch; only
#                          the finding types patches/checkpatch-exceptions
#                          allows for that patch (reasons in the cover letter)
#   kernel-doc             scripts/kernel-doc -Wall on the new C files, and no
#                          warning in the files we change that 7.3.4 lacks
#   rustfmt                make rustfmtcheck
#   clippy, rustdoc        make CLIPPY=1 and make rustdoc: no warning in our
#                          Rust (rust/kernel/{slab,fs/inode}.rs,
#                          rust/inode_addons/)
#   htmldocs-bpf           make SPHINXDIRS=bpf htmldocs: no warning from our
#                          page or the kernel-doc it pulls in
# LINT_SKIP="clippy rustdoc" skips checks by name.
set -uo pipefail
. "$(dirname "$0")/env.sh"

out=$BUILD_DIR/lint
mkdir -p "$out"
fails=0
ok() { echo "ok $1"; }
bad() { echo "not ok $1 - $2"; fails=$((fails + 1)); }
skip() { [[ " ${LINT_SKIP:-} " == *" $1 "* ]] && echo "skip $1 - LINT_SKIP" ; }
ours='rust/kernel/slab\.rs|rust/kernel/fs/inode\.rs|rust/inode_addons/'

# The series, its git am check and checkpatch.
if bash "$TOP/workbench/series.sh" >"$out/series.log" 2>&1; then
	ok series/git-am
else
	bad series/git-am "$(tail -1 "$out/series.log")"
fi
mapfile -t names < <(grep -E '^[^#[:space:]]' "$TOP/patches/series")
for i in "${!names[@]}"; do
	n=$(printf %04d $((i + 1)))
	f=$(ls "$BUILD_DIR/series/$n"-*.patch 2>/dev/null | head -1)
	[ -n "$f" ] || { bad "checkpatch/$n" "no $BUILD_DIR/series/$n-*.patch"; continue; }
	allowed=$(awk -v p="${names[$i]}" '$1 == p { $1 = ""; print }' \
		"$TOP/patches/checkpatch-exceptions" 2>/dev/null)
	found=$(cd "$SRC" && perl scripts/checkpatch.pl --strict --no-tree --terse --show-types "$f" \
		2>/dev/null | sed -n 's/^[^:]*:[0-9]*: \(ERROR\|WARNING\|CHECK\):\([A-Z_]*\):.*/\2/p' | sort -u)
	unexpected=$(comm -23 <(echo "$found" | sed '/^$/d') <(tr ' ' '\n' <<<"$allowed" | sed '/^$/d' | sort -u))
	if [ -z "$unexpected" ]; then
		ok "checkpatch/$n"
	else
		bad "checkpatch/$n" "$(echo $unexpected) in $(basename "$f")"
	fi
done

rm -f "$SRC"/.checkpatch-camelcase.*

# kernel-doc: the new C files in full; in the files we change, only new warnings.
kd() { (cd "$1" && perl scripts/kernel-doc -Wall -none "$2" 2>&1 | sed -E 's/:[0-9]+ / /' | sort -u); }
new_c=$(grep -P '^\t' "$TOP/patches/series" | tr -d '\t' | grep -E '^(include|kernel|fs|rust|mm|security)/.*\.[ch]$')
changed_c=$(grep -h '^+++ b/' "$TOP"/patches/0*.patch | sed 's|^+++ b/||' | grep -E '\.[ch]$' | sort -u)
kdoc=""
for f in $new_c; do kdoc+=$(kd "$SRC" "$f"); done
for f in $changed_c; do
	[ -f "$PRISTINE/$f" ] || { kdoc+=$(kd "$SRC" "$f"); continue; }
	kdoc+=$(comm -13 <(kd "$PRISTINE" "$f") <(kd "$SRC" "$f"))
done
kdoc=$(echo "$kdoc" | sed '/^$/d')
if [ -z "$kdoc" ]; then ok kernel-doc; else bad kernel-doc "$(echo "$kdoc" | head -3 | tr '\n' ';')"; fi

# rustfmt.
if (cd "$SRC" && "${KMAKE[@]}" O="$BUILD_DIR/out-y" rustfmtcheck) >"$out/rustfmt.log" 2>&1; then
	ok rustfmt
else
	bad rustfmt "$(grep -m1 '^Diff in' "$out/rustfmt.log")"
fi

# clippy and rustdoc, in their own out directory (CLIPPY=1 objects must not
# replace the test kernel's), with the test configuration.
lint_out=$BUILD_DIR/out-lint
# rust_check NAME MAKE-ARGS...: build in $lint_out, fail on an error or on
# a warning that points into our Rust.
rust_check() {
	local name=$1 rc warn
	shift
	skip "$name" && return
	mkdir -p "$lint_out"
	[ -f "$lint_out/.config" ] || cp "$BUILD_DIR/out-y/.config" "$lint_out/.config"
	(cd "$SRC" && "${KMAKE[@]}" O="$lint_out" olddefconfig >/dev/null &&
	 "${KMAKE[@]}" O="$lint_out" "$@") >"$out/$name.log" 2>&1
	rc=$?
	warn=$(grep -E -A3 '^(warning|error)' "$out/$name.log" | grep -E -- "--> .*($ours)" | sort -u)
	if [ "$rc" = 0 ] && [ -z "$warn" ]; then
		ok "$name"
	else
		bad "$name" "exit $rc; $(echo $warn | head -c 300)"
	fi
}
rust_check clippy CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver rust/ rust/inode_addons/
rust_check rustdoc rustdoc

# Sphinx: our page, and the kernel-doc comments it pulls from the source.
if ! skip htmldocs-bpf; then
	if ! command -v sphinx-build >/dev/null; then
		bad htmldocs-bpf "Sphinx is missing (make deps installs python3-sphinx)"
	else
		(cd "$SRC" && make -s O="$BUILD_DIR/docs" SPHINXDIRS=bpf htmldocs) >"$out/htmldocs.log" 2>&1
		rc=$?
		warn=$(grep -E 'WARNING|ERROR' "$out/htmldocs.log" |
			grep -E 'map_inode_storage|inode_addons|bpf_inode_storage|bpf_inode_addons')
		if [ "$rc" = 0 ] && [ -z "$warn" ]; then ok htmldocs-bpf; else bad htmldocs-bpf "exit $rc; $(echo $warn | head -c 300)"; fi
	fi
fi

echo "lint: $fails failed; logs in $out"
[ "$fails" = 0 ]
