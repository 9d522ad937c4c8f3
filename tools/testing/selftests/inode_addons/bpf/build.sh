#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the BPF inode-storage selftests:
#   vmlinux.h (from VMLINUX's BTF) -> *.bpf.o -> *.skel.h -> inode_storage_test
#
# Usage: build.sh [VMLINUX [OUTDIR]]
#   VMLINUX  a vmlinux with BTF of the kernel under test
#            (default: $BUILD_DIR/out-y/vmlinux)
#   OUTDIR   where everything goes (default: $BUILD_DIR/selftests-bpf);
#            nothing is written next to the sources
#   BUILD_DIR defaults to the repository's build/.
# Environment: CLANG (default clang-19, else clang), BPFTOOL (default bpftool),
#   CC (default gcc), EXTRA_BPF_CFLAGS (more clang flags for the BPF objects).
#
# Then, in the guest, as root: OUTDIR/inode_storage_test [-v]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$top/build}
vmlinux=${1:-$BUILD_DIR/out-y/vmlinux}
out=${2:-$BUILD_DIR/selftests-bpf}

die() { echo "build.sh: $*" >&2; exit 1; }

# Tools, each named when missing.
if [ -z "${CLANG:-}" ]; then
	if command -v clang-19 >/dev/null; then CLANG=clang-19
	elif command -v clang >/dev/null; then CLANG=clang
	else die "missing tool: clang-19 (or clang, or set CLANG): apt-get install clang-19"
	fi
fi
BPFTOOL=${BPFTOOL:-bpftool}
CC=${CC:-gcc}
command -v "$CLANG" >/dev/null || die "missing tool: $CLANG (set CLANG)"
command -v "$BPFTOOL" >/dev/null || [ -x /usr/sbin/bpftool ] || die "missing tool: bpftool: apt-get install bpftool"
command -v "$BPFTOOL" >/dev/null || BPFTOOL=/usr/sbin/bpftool
command -v "$CC" >/dev/null || die "missing tool: $CC (set CC): apt-get install gcc"
command -v pkg-config >/dev/null || die "missing tool: pkg-config: apt-get install pkg-config"
[ -f /usr/include/bpf/bpf_helpers.h ] || die "missing libbpf headers (/usr/include/bpf/bpf_helpers.h): apt-get install libbpf-dev"
pkg-config --exists libbpf || die "missing libbpf.pc: apt-get install libbpf-dev"
pkg-config --exists libelf || die "missing libelf.pc: apt-get install libelf-dev"
pkg-config --exists zlib || die "missing zlib.pc: apt-get install zlib1g-dev"
[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux (pass its path as the first argument)"

mkdir -p "$out"
out=$(cd "$out" && pwd)

# vmlinux.h: regenerated each time (the kernel may have been rebuilt);
# written under a temporary name so an interrupted dump leaves no half file.
"$BPFTOOL" btf dump file "$vmlinux" format c > "$out/vmlinux.h.tmp" ||
	die "bpftool could not dump the BTF of $vmlinux (built without CONFIG_DEBUG_INFO_BTF?)"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"

lookup_ret=$(BPFTOOL="$BPFTOOL" bash "$here/lookup_ret.sh" "$vmlinux")
echo "build.sh: bpf_inode_storage_lookup() returns '$lookup_ret' in $vmlinux (or is absent)"

arch=$(uname -m)
case $arch in
x86_64) target_arch=x86 ;;
aarch64) target_arch=arm64 ;;
*) target_arch=$arch ;;
esac

# -fms-extensions: the kernel is built with it (7.x) and its BTF has
# anonymous members of a named struct type, which vmlinux.h spells
# "struct foo;" inside the parent; without it clang drops them.
# -DBPF_NO_KFUNC_PROTOTYPES: a newer bpftool puts kfunc prototypes in
# vmlinux.h under this guard; ia_kfuncs.h declares the ones used.
for obj in storage_helpers storage_kfuncs storage_reject storage_reject_helper; do
	# shellcheck disable=SC2086
	"$CLANG" -target bpf -D__TARGET_ARCH_$target_arch -mcpu=v3 -O2 -g -Wall \
		-fms-extensions -Wno-microsoft-anon-tag -DBPF_NO_KFUNC_PROTOTYPES \
		-I"$out" -I"$here" "-DIA_LOOKUP_RET=$lookup_ret" ${EXTRA_BPF_CFLAGS:-} \
		-c "$here/$obj.bpf.c" -o "$out/$obj.bpf.o"
	"$BPFTOOL" gen skeleton "$out/$obj.bpf.o" name "$obj" > "$out/$obj.skel.h.tmp"
	mv "$out/$obj.skel.h.tmp" "$out/$obj.skel.h"
done

# shellcheck disable=SC2046
"$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation \
	-I"$out" -I"$here" -I"$here/.." -o "$out/inode_storage_test" "$here/inode_storage_test.c" \
	$(pkg-config --cflags --libs libbpf) $(pkg-config --libs libelf zlib)

echo "build.sh: built $out/inode_storage_test"
