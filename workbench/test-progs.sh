#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the kernel's own BPF selftest runner, test_progs, from the patched
# tree's tools/testing/selftests/bpf with its sources unchanged, but only
# with the tests that touch BPF local storage (inode, task, cgroup and socket
# storage) and ours in the same framework (local_storage_destroy_race,
# inode_storage_teardown).  The tests run in the guest (tests/35-test-progs.sh).
#
# Usage: test-progs.sh VMLINUX OUTDIR
#   VMLINUX  the kernel under test (its BTF makes vmlinux.h; its out directory
#            gives the config)
#   OUTDIR   test_progs, the objects it opens at run time, tests.list (the
#            tests to run); sources are copied to OUTDIR/.src, because the
#            selftests Makefile writes into its source directory
# Environment: TESTS replaces the list, EXTRA_TESTS adds to it, JOBS.
set -euo pipefail

. "$(dirname "$0")/env.sh"
VMLINUX_BTF=$(realpath -m "${1:?usage: test-progs.sh VMLINUX OUTDIR}")
OUT=$(realpath -m "${2:?usage: test-progs.sh VMLINUX OUTDIR}")
KSRC=$SRC
KOUT=$(dirname "$VMLINUX_BTF")
JOBS=${JOBS:-$(nproc)}

# prog_tests/<name>.c to build.  The kernel's tests whose subject is a local
# storage map (their programs use BPF_MAP_TYPE_{INODE,TASK,CGRP,SK}_STORAGE),
# then ours.  Left out: map_kptr, map_kptr_race and test_map_uninit (they
# need bpf_testmod.ko, an out-of-tree module build), verifier (130 programs
# for one socket storage subtest), bpf_iter (other iterators above all), and
# networking tests where a socket storage map is incidental.
UPSTREAM_TESTS="
  test_local_storage task_local_storage test_task_local_data test_bprm_opts
  cgrp_local_storage sk_storage_tracing sk_storage_omem_uncharge
  type_cast rcu_read_lock nested_trust
"
OUR_TESTS="
  inode_storage_tracing inode_storage_reject inode_storage_null_arg
  local_storage_destroy_race inode_storage_teardown fanotify_filter
"
TESTS="${TESTS:-$UPSTREAM_TESTS $OUR_TESTS} ${EXTRA_TESTS:-}"

log() { printf '[test-progs] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- 1. build deps
# Debian packages: clang/llvm 19 for the BPF side, gcc for user space, libelf/zlib
# for libbpf, libssl-dev + openssl for sign-file and the signed light skeletons,
# python3 for libbpf's bpf_doc.py, rsync for the Makefile's copy steps.
DEB_PKGS="make gcc pkg-config clang-19 llvm-19 lld-19 libelf-dev zlib1g-dev libssl-dev openssl rsync python3"
missing=""
for p in $DEB_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		log "installing missing packages:$missing"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
	else
		die "missing Debian packages:$missing"
	fi
fi
for t in clang-19 llc-19 llvm-strip-19 gcc make openssl rsync python3; do
	command -v "$t" >/dev/null || die "$t not found"
done

# ---------------------------------------------------------------- 2. vmlinux BTF
[ -e "$VMLINUX_BTF" ] || die "$VMLINUX_BTF not found: build the kernel first"
log "vmlinux BTF: $VMLINUX_BTF"

# ---------------------------------------------------------------- 3. scratch copy
# Only what the selftests/bpf Makefile and its sub-makes (libbpf, bpftool,
# resolve_btfids) read. KSRC is never written to.
SRC=$OUT/.src
BPFSRC=$SRC/tools/testing/selftests/bpf
mkdir -p "$OUT" "$SRC/tools/testing/selftests" "$SRC/kernel/bpf" "$SRC/include/generated"
RS="rsync -a --delete --exclude=*.o --exclude=*.skel.h --exclude=*.lskel.h --exclude=*.subskel.h --exclude=*.d --exclude=*.cmd"
for d in arch bpf build include lib scripts; do
	$RS "$KSRC/tools/$d/" "$SRC/tools/$d/"
done
$RS --exclude='/*/' "$KSRC/tools/testing/selftests/" "$SRC/tools/testing/selftests/"
$RS --exclude=/prog_tests/tests.h --exclude=/verification_cert.h \
    --exclude=/tools --exclude=/no_alu32 --exclude=/cpuv4 --exclude=/bpf_gcc --exclude=/feature \
    "$KSRC/tools/testing/selftests/bpf/" "$BPFSRC/"
$RS "$KSRC/scripts/" "$SRC/scripts/"
cp -a "$KSRC/kernel/bpf/disasm.c" "$KSRC/kernel/bpf/disasm.h" "$SRC/kernel/bpf/"
# The kernel's config -> HAVE_GENHDR (autoconf_helper.h).
if [ -f "$KOUT/include/generated/autoconf.h" ]; then
	cp "$KOUT/include/generated/autoconf.h" "$SRC/include/generated/autoconf.h"
else
	rm -f "$SRC/include/generated/autoconf.h"
fi

# ---------------------------------------------------------------- 4. subset
# Keep only the chosen prog_tests/*.c (tests.h is generated from what is there)
# and only the progs/*.c they need (skeleton includes, "*.bpf.o" file names,
# linked-skeleton parts, progs/*.c #included by other progs).
cd "$BPFSRC"
declare -A want_t=() want_p=()
for t in $TESTS; do
	[ -f "prog_tests/$t.c" ] || die "no such prog_test: $t"
	want_t[$t]=1
done
# linked skeletons: "<skel>.skel.h-deps := a.bpf.o b.bpf.o" in the Makefile
declare -A linkdeps=()
while read -r skel deps; do
	linkdeps[$skel]=$deps
done < <(sed -n -E 's/^([A-Za-z0-9_]+)\.skel\.h-deps :=(.*)$/\1 \2/p' Makefile | sed 's/\.bpf\.o//g')

refs_of() { # files... -> referenced BPF object base names
	grep -ohE '[A-Za-z0-9_]+\.(skel|lskel|subskel)\.h"|[A-Za-z0-9_]+\.bpf\.o' "$@" 2>/dev/null |
		sed -E 's/\.(skel|lskel|subskel)\.h"$//; s/\.bpf\.o$//' | sort -u
}
for t in "${!want_t[@]}"; do
	files="prog_tests/$t.c"
	for h in $(grep -ohE '#include "[A-Za-z0-9_]+\.h"' "prog_tests/$t.c" | sed -E 's/#include "(.*)"/\1/'); do
		[ -f "prog_tests/$h" ] && files="$files prog_tests/$h"
	done
	for r in $(refs_of $files); do
		if [ -n "${linkdeps[$r]:-}" ]; then
			for p in ${linkdeps[$r]}; do want_p[$p]=1; done
		elif [ -f "progs/$r.c" ]; then
			want_p[$r]=1
		fi
	done
done
# progs that #include other progs/*.c (transitively)
changed=1
while [ $changed = 1 ]; do
	changed=0
	for p in "${!want_p[@]}"; do
		for inc in $(grep -ohE '#include "[A-Za-z0-9_]+\.c"' "progs/$p.c" | sed -E 's/#include "(.*)\.c"/\1/'); do
			if [ -f "progs/$inc.c" ] && [ -z "${want_p[$inc]:-}" ]; then want_p[$inc]=1; changed=1; fi
		done
	done
done
for f in prog_tests/*.c; do b=$(basename "$f" .c); [ -n "${want_t[$b]:-}" ] || rm -f "$f"; done
for f in progs/*.c; do b=$(basename "$f" .c); [ -n "${want_p[$b]:-}" ] || rm -f "$f"; done
rm -f prog_tests/tests.h   # regenerate: the rule only notices added/changed tests
log "prog_tests kept: ${#want_t[@]}, progs kept: ${#want_p[@]}"
printf '%s\n' "${!want_t[@]}" | sort > "$OUT/TESTS.txt"
printf '%s\n' "${!want_p[@]}" | sort > "$OUT/PROGS.txt"

# The Makefile hard-codes lists of light / signed / linked skeletons that every
# test object depends on; restrict them (command-line override) to kept progs.
mk_list() { # VAR -> its (continuation-joined) value from the Makefile
	sed -e ':a;/\\$/N;s/\\\n/ /;ta' Makefile | sed -n -E "s/^$1 :=(.*)$/\1/p"
}
keep_c() { for f in "$@"; do [ -n "${want_p[${f%.c}]:-}" ] && printf '%s ' "$f"; done; true; }
keep_linked() {
	for s in "$@"; do
		b=${s%.skel.h} ok=1
		for p in ${linkdeps[$b]:-none}; do [ -n "${want_p[$p]:-}" ] || ok=0; done
		[ $ok = 1 ] && printf '%s ' "$s"
	done; true
}
SUB_LSKELS=$(keep_c $(mk_list LSKELS))
SUB_LSKELS_SIGNED=$(keep_c $(mk_list LSKELS_SIGNED))
SUB_LSKELS_EXTRA=$(keep_c $(mk_list LSKELS_EXTRA))
SUB_LINKED_SKELS=$(keep_linked $(mk_list LINKED_SKELS))
log "LSKELS='$SUB_LSKELS' LSKELS_SIGNED='$SUB_LSKELS_SIGNED' LSKELS_EXTRA='$SUB_LSKELS_EXTRA' LINKED_SKELS='$SUB_LINKED_SKELS'"

# ---------------------------------------------------------------- 5. build
# LIBARENA_SKEL= : libarena's BPF code is only used by prog_tests/libarena*.c
#               (not in the subset) and does not build with clang-19 (its
#               sub-Makefile compiles without -mcpu=v3 -> 32-bit atomics fail).
# TEST_KMODS= : bpf_testmod & co. would need `make -C <kernel tree> M=...`;
#               test_progs just warns and skips tests that need bpf_testmod.ko.
# SKIP_DOCS/SKIP_LLVM/SKIP_LIBBFD: no rst2man docs, no LLVM/libbfd JIT disassembler.
start=$(date +%s)
make -C "$BPFSRC" -j"$JOBS" \
	OUTPUT="$OUT" \
	VMLINUX_BTF="$VMLINUX_BTF" \
	CLANG=clang-19 LLC=llc-19 LLVM_STRIP=llvm-strip-19 LLVM_CONFIG=llvm-config-19 \
	SKIP_DOCS=1 SKIP_LLVM=1 SKIP_LIBBFD=1 \
	TEST_KMODS= LIBARENA_SKEL= \
	BPF_STRICT_BUILD="${BPF_STRICT_BUILD:-1}" \
	LSKELS="$SUB_LSKELS" LSKELS_SIGNED="$SUB_LSKELS_SIGNED" \
	LSKELS_EXTRA="$SUB_LSKELS_EXTRA" LINKED_SKELS="$SUB_LINKED_SKELS" \
	${MAKE_ARGS:-} test_progs
end=$(date +%s)

# ---------------------------------------------------------------- 6. check
[ -x "$OUT/test_progs" ] || die "test_progs was not built"
# The kernel's config, for the programs' __kconfig externs: the guest has
# neither /boot/config-* nor /proc/config.gz (tests/35-test-progs.sh).
cp "$KOUT/.config" "$OUT/kconfig"
# What the guest runs: the names test_progs knows the tests by.
sed -n -E 's/^DEFINE_TEST\((.*)\)$/\1/p' "$BPFSRC/prog_tests/tests.h" > "$OUT/tests.list"
log "built $OUT/test_progs in $((end - start))s; $(wc -l < "$OUT/tests.list") tests (tests.list)"
log "output size: $(du -sh --exclude=.src "$OUT" | cut -f1) (+ scratch sources $(du -sh "$SRC" | cut -f1))"
