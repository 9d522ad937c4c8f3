#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the make-bench runner for one kernel:
#   vmlinux.h (from VMLINUX's BTF) -> bench*.bpf.o -> skeletons -> bench_runner
#
# Usage: build.sh VMLINUX OUTDIR
# Each kernel gets its own OUTDIR: the objects are compiled against its
# types.  Tools: CLANG (default clang-19), BPFTOOL, CC.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vmlinux=${1:?usage: build.sh VMLINUX OUTDIR}
out=${2:?usage: build.sh VMLINUX OUTDIR}
die() { echo "bench/build.sh: $*" >&2; exit 1; }

CLANG=${CLANG:-clang-19}
BPFTOOL=${BPFTOOL:-bpftool}
CC=${CC:-gcc}
command -v "$BPFTOOL" >/dev/null || BPFTOOL=/usr/sbin/bpftool
for t in "$CLANG" "$BPFTOOL" "$CC" pkg-config; do
	command -v "$t" >/dev/null || die "missing tool: $t (make deps installs it)"
done
pkg-config --exists libbpf || die "missing libbpf.pc: apt-get install libbpf-dev"
[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux"

mkdir -p "$out"
out=$(cd "$out" && pwd)
"$BPFTOOL" btf dump file "$vmlinux" format c > "$out/vmlinux.h.tmp" ||
	die "bpftool could not dump the BTF of $vmlinux"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
lookup_ret=$(BPFTOOL="$BPFTOOL" bash "$here/lookup_ret.sh" "$vmlinux")

# -fms-extensions: the kernel is built with it (7.x) and its BTF has
# anonymous members of a named struct type, which vmlinux.h spells
# "struct foo;" inside the parent; without it clang drops them.
# -DBPF_NO_KFUNC_PROTOTYPES: a newer bpftool puts kfunc prototypes in
# vmlinux.h under this guard; ia_kfuncs.h declares the ones used.
for obj in bench bench_kfunc; do
	"$CLANG" -target bpf -D__TARGET_ARCH_x86 -mcpu=v3 -O2 -g -Wall \
		-fms-extensions -Wno-microsoft-anon-tag -DBPF_NO_KFUNC_PROTOTYPES \
		-I"$out" -I"$here" "-DIA_LOOKUP_RET=$lookup_ret" \
		-c "$here/$obj.bpf.c" -o "$out/$obj.bpf.o"
	"$BPFTOOL" gen skeleton "$out/$obj.bpf.o" name "$obj" > "$out/$obj.skel.h.tmp"
	mv "$out/$obj.skel.h.tmp" "$out/$obj.skel.h"
done

# shellcheck disable=SC2046
"$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-format-truncation -I"$out" -I"$here" -o "$out/bench_runner" \
	"$here/bench_runner.c" $(pkg-config --cflags --libs libbpf) \
	$(pkg-config --libs libelf zlib)
echo "bench/build.sh: built $out/bench_runner"
