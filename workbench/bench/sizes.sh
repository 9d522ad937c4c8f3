#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sizes of the inode structures, for make bench's part 1, as JSON:
#   bench config   pahole on the BTF of each bench kernel (KERNEL...)
#   Debian config  pahole on the objects that define the structures,
#                  pristine and patched, built with Debian's amd64 config
#   test config    struct inode only, as in make size
#
# Usage: sizes.sh OUT.json KERNEL...
set -euo pipefail
. "$(dirname "$0")/../env.sh"

json=${1:?usage: sizes.sh OUT.json KERNEL...}
shift

# struct -> the object whose DWARF describes it (Debian builds).
declare -A obj=(
	[inode]=fs/inode.o
	[shmem_inode_info]=mm/shmem.o
	[ext4_inode_info]=fs/ext4/super.o
	[xfs_inode]=fs/xfs/xfs_super.o
	[btrfs_inode]=fs/btrfs/inode.o
	[proc_inode]=fs/proc/inode.o
	[sockfs_inode]=net/socket.o
)
structs=(inode shmem_inode_info ext4_inode_info xfs_inode btrfs_inode proc_inode sockfs_inode)

size_of() { # pahole arguments...
	pahole "$@" 2>/dev/null | sed -n 's/^.*size: \([0-9]*\), cachelines.*$/\1/p' | tail -n 1
}

emit() { # name pahole-args...: '"name": {"inode": N, ...}'
	local name=$1 sep="" s
	shift
	printf '  "%s": {' "$name"
	for s in "${structs[@]}" inode_addons; do
		local n
		n=$("$@" "$s")
		[ -n "$n" ] || continue
		printf '%s"%s": %s' "$sep" "$s" "$n"
		sep=", "
	done
	printf '}'
}

btf_size() { size_of -F btf -C "$2" "$1"; }
dwarf_size() { # out struct
	local o=${obj[$2]:-fs/inode.o}
	[ -f "$1/$o" ] || return 0	# not built in this config
	size_of -C "$2" "$1/$o" 2>/dev/null || true
}

deb_base=$(debian_base_config)
: > "$BUILD_DIR/empty.config"

deb_out() { # variant: builds the objects, prints the out directory
	BASE_CONFIG=$deb_base CONFIG_FRAGMENT=$BUILD_DIR/empty.config OUT_SUFFIX=-debian \
		REQUIRE= bash "$TOP/workbench/build.sh" "$1" "${obj[@]}"
}
test_out() {
	CONFIG_FRAGMENT=$TOP/configs/test.config REQUIRE= \
		bash "$TOP/workbench/build.sh" "$1" fs/inode.o
}

{
	echo "{"
	sep=""
	for k in "$@"; do
		case $k in
		pristine)   vmlinux=$BUILD_DIR/out-pristine-bench/vmlinux ;;
		patched)    vmlinux=$BUILD_DIR/out-y-bench/vmlinux ;;
		onepointer) vmlinux=$BUILD_DIR/out-y-bench-onepointer/vmlinux ;;
		esac
		printf '%s' "$sep"; emit "bench-$k" btf_size "$vmlinux"; sep=$',\n'
	done
	for v in pristine y; do
		d=$(deb_out "$v")
		printf '%s' "$sep"; emit "debian-$v" dwarf_size "$d"; sep=$',\n'
	done
	for v in pristine y; do
		d=$(test_out "$v")
		printf '%s  "test-%s": {"inode": %s}' "$sep" "$v" "$(size_of -C inode "$d/fs/inode.o")"
		sep=$',\n'
	done
	printf '\n}\n'
} > "$json.tmp"
mv "$json.tmp" "$json"
cat "$json"
