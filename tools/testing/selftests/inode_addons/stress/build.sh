#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the stress driver: vmlinux.h (from VMLINUX's BTF) -> stress.bpf.o
# -> stress.skel.h -> stress.
#
# Usage: build.sh VMLINUX OUTDIR
# Environment: CLANG (default clang-19), BPFTOOL (default bpftool), CC.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vmlinux=${1:?usage: build.sh VMLINUX OUTDIR}
out=${2:?usage: build.sh VMLINUX OUTDIR}
CLANG=${CLANG:-clang-19}
BPFTOOL=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
CC=${CC:-gcc}

die() { echo "stress/build.sh: $*" >&2; exit 1; }
for t in "$CLANG" "$BPFTOOL" "$CC" pkg-config; do
	command -v "$t" >/dev/null || die "missing tool: $t (run 'make deps')"
done
pkg-config --exists libbpf || die "missing libbpf.pc: apt-get install libbpf-dev"
[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux"

mkdir -p "$out"
"$BPFTOOL" btf dump file "$vmlinux" format c > "$out/vmlinux.h.tmp" ||
	die "bpftool could not dump the BTF of $vmlinux"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
# -fms-extensions: see ../bpf/build.sh.
"$CLANG" -target bpf -D__TARGET_ARCH_x86 -mcpu=v3 -O2 -g -Wall \
	-fms-extensions -Wno-microsoft-anon-tag -I"$out" \
	-c "$here/stress.bpf.c" -o "$out/stress.bpf.o"
"$BPFTOOL" gen skeleton "$out/stress.bpf.o" name stress > "$out/stress.skel.h.tmp"
mv "$out/stress.skel.h.tmp" "$out/stress.skel.h"
# shellcheck disable=SC2046
"$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -I"$out" -I"$here/.." \
	-o "$out/stress" "$here/stress.c" $(pkg-config --cflags --libs libbpf) \
	$(pkg-config --libs libelf zlib)
echo "stress/build.sh: built $out/stress"
