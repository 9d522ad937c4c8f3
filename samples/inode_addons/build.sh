#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds one of the tools here: vmlinux.h from VMLINUX's BTF, then cargo
# (which compiles the BPF program and its skeleton in skel_build.rs).
#
# Usage: build.sh TOOL [VMLINUX]
#   TOOL     inode_activity or fanotify_subtree (a directory here)
#   VMLINUX  the kernel the tool will run on (default: $BUILD_DIR/out-y/vmlinux)
# Output: $CARGO_TARGET_DIR/release/TOOL, with '-' for '_'
#   (CARGO_TARGET_DIR defaults to $BUILD_DIR/sample-target; BUILD_DIR to
#   the repository's build/).  CARGO_BUILD_JOBS limits cargo's jobs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$top/build}
tool=${1:?usage: build.sh TOOL [VMLINUX]}
vmlinux=${2:-$BUILD_DIR/out-y/vmlinux}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$BUILD_DIR/sample-target}

die() { echo "build.sh: $*" >&2; exit 1; }

[ -f "$here/$tool/Cargo.toml" ] || die "no tool '$tool' in $here"
cargo=$(command -v cargo || true)
[ -n "$cargo" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || cargo=$HOME/.cargo/bin/cargo
[ -n "$cargo" ] || die "missing tool: cargo (rustup, https://rustup.rs, or apt-get install cargo)"
bpftool=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
[ -x "$bpftool" ] || die "missing tool: bpftool: apt-get install bpftool"
command -v "${CLANG:-clang-19}" >/dev/null || command -v clang >/dev/null ||
	die "missing tool: clang-19 (or clang, or set CLANG): apt-get install clang-19"
command -v pkg-config >/dev/null || die "missing tool: pkg-config: apt-get install pkg-config"
pkg-config --exists libelf || die "missing libelf.pc: apt-get install libelf-dev"
pkg-config --exists zlib || die "missing zlib.pc: apt-get install zlib1g-dev"
command -v make >/dev/null || die "missing tool: make (libbpf-sys builds libbpf with it)"
[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux (pass its path as the second argument)"

mkdir -p "$CARGO_TARGET_DIR"
export VMLINUX_H=$CARGO_TARGET_DIR/vmlinux.h
"$bpftool" btf dump file "$vmlinux" format c > "$VMLINUX_H.tmp" ||
	die "bpftool could not dump the BTF of $vmlinux"
# Rewrite only when it changed, so cargo does not rebuild for nothing.
if cmp -s "$VMLINUX_H.tmp" "$VMLINUX_H"; then
	rm "$VMLINUX_H.tmp"
else
	mv "$VMLINUX_H.tmp" "$VMLINUX_H"
fi

cd "$here/$tool"
"$cargo" build --release --locked
echo "build.sh: built $CARGO_TARGET_DIR/release/${tool//_/-}"
