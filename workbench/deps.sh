#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building, booting and testing the kernel needs.  Idempotent:
# a second run only checks and returns in seconds.  Debian bookworm, as root.
set -euo pipefail

stamp_dir=${CACHE_DIR:-$HOME/.cache/inode_addons}
mkdir -p "$stamp_dir"

die() { echo "deps: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get install is needed)"
command -v apt-get >/dev/null || die "apt-get not found: this workbench expects Debian bookworm"

# The packages, each with a command (or file) that proves it is there.
pkgs=(
	"rustc-web:/usr/bin/rustc"
	"rust-web-src:/usr/lib/rustlib/src/rust/library/core/Cargo.toml"
	"rustfmt-web:/usr/bin/rustfmt"
	"rust-web-clippy:/usr/bin/clippy-driver"
	"clang-19:/usr/bin/clang-19"
	"lld-19:/usr/bin/ld.lld-19"
	"llvm-19:/usr/bin/llvm-ar-19"
	"libclang-19-dev:/usr/lib/llvm-19/lib/libclang.so"
	"bc:/usr/bin/bc"
	"flex:/usr/bin/flex"
	"bison:/usr/bin/bison"
	"libelf-dev:/usr/include/libelf.h"
	"libssl-dev:/usr/include/openssl/ssl.h"
	"cpio:/usr/bin/cpio"
	"dwarves:/usr/bin/pahole"
	"ccache:/usr/bin/ccache"
	"qemu-system-x86:/usr/bin/qemu-system-x86_64"
	"busybox-static:/bin/busybox"
	"e2fsprogs:/sbin/mkfs.ext4"
	"xfsprogs:/sbin/mkfs.xfs"
	"btrfs-progs:/sbin/mkfs.btrfs"
	"inotify-tools:/usr/bin/inotifywait"
	"util-linux:/usr/bin/lslocks"
	"procps:/usr/bin/pkill"
	"bpftool:/usr/sbin/bpftool"
	"libbpf-dev:/usr/include/bpf/libbpf.h"
	"zlib1g-dev:/usr/include/zlib.h"
	"pkg-config:/usr/bin/pkg-config"
	"python3-pip:/usr/bin/pip3"
	"xz-utils:/usr/bin/xz"
	"rsync:/usr/bin/rsync"
	"gnuplot-nox:/usr/bin/gnuplot"
	"patchutils:/usr/bin/filterdiff"
	"git:/usr/bin/git"
	"python3-sphinx:/usr/bin/sphinx-build"
	"python3-sphinx-rtd-theme:/usr/lib/python3/dist-packages/sphinx_rtd_theme/__init__.py"
)

missing=()
for p in "${pkgs[@]}"; do
	[ -e "${p#*:}" ] || missing+=("${p%%:*}")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ ! -e "$stamp_dir/apt-updated" ] || [ -n "$(find "$stamp_dir/apt-updated" -mmin +720)" ]; then
		apt-get update -qq || die "apt-get update failed: check the Debian mirror in /etc/apt/sources.list.d"
		touch "$stamp_dir/apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		|| die "apt-get install ${missing[*]} failed"
	for p in "${pkgs[@]}"; do
		[ -e "${p#*:}" ] || die "package ${p%%:*} installed but ${p#*:} is missing"
	done
fi

# bindgen >= 0.71.1 (bookworm has 0.60): from crates.io, built with libclang-19.
bindgen=$HOME/.cargo/bin/bindgen
if ! { [ -x "$bindgen" ] && "$bindgen" --version 2>/dev/null | grep -q '^bindgen 0\.7[1-9]'; }; then
	command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] || die "cargo not found: needed to install bindgen-cli"
	echo "deps: cargo install bindgen-cli 0.73.2 (about 80 s)"
	LIBCLANG_PATH=/usr/lib/llvm-19/lib PATH=$HOME/.cargo/bin:$PATH \
		cargo install --quiet --locked bindgen-cli --version 0.73.2 || die "cargo install bindgen-cli failed"
fi

# virtme-ng runs the guest on the host's root filesystem.
if ! command -v vng >/dev/null; then
	echo "deps: pip install virtme-ng"
	pip3 install --quiet virtme-ng==1.42 2>/dev/null || pip install --quiet virtme-ng==1.42 \
		|| die "pip install virtme-ng failed"
	command -v vng >/dev/null || die "virtme-ng installed but vng is not on PATH"
fi
# drgn reads the live kernel for make census.
if ! python3 -c 'import drgn' 2>/dev/null; then
	echo "deps: pip install drgn"
	pip3 install --quiet drgn==0.3.0 2>/dev/null || pip install --quiet drgn==0.3.0 \
		|| die "pip install drgn failed"
fi
echo "deps: ok"
