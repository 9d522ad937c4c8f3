# SPDX-License-Identifier: GPL-2.0
# Shared settings for the workbench scripts; sourced, not run.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/configs/source.env"
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/inode_addons}
BUILD_DIR=${BUILD_DIR:-$TOP/build}
PRISTINE=$CACHE_DIR/linux-$KVER-pristine
SRC=$BUILD_DIR/linux
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Hits across checkouts (CI clones elsewhere): paths relative to the
# checkout, and the build directory left out of the hash (it only
# changes DW_AT_comp_dir, which BTF does not use).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
export PATH=$HOME/.cargo/bin:$PATH
JOBS=${JOBS:-$(nproc)}
KMAKE=(make -s -j"$JOBS" LLVM=-19 "CC=ccache clang-19" RUSTC=/usr/bin/rustc
       RUSTDOC=/usr/bin/rustdoc "BINDGEN=$HOME/.cargo/bin/bindgen"
       KBUILD_BUILD_TIMESTAMP=2026-01-01 KBUILD_BUILD_USER=inode_addons
       KBUILD_BUILD_HOST=workbench)
die() { echo "${0##*/}: error: $*" >&2; exit 1; }

# Debian's amd64 distro config with its signing keys blanked, as every
# out-of-Debian build must; prints the path of the copy (make size, bench).
debian_base_config() {
	local debian=$CACHE_DIR/debian-amd64.config out=$BUILD_DIR/debian.config
	[ -f "$debian" ] || die "no Debian config at $debian: run 'make source'"
	mkdir -p "$BUILD_DIR"
	sed -e 's/^CONFIG_MODULE_SIG_KEY=.*/CONFIG_MODULE_SIG_KEY=""/' \
	    -e 's/^CONFIG_SYSTEM_TRUSTED_KEYS=.*/CONFIG_SYSTEM_TRUSTED_KEYS=""/' \
	    -e 's/^CONFIG_SYSTEM_REVOCATION_KEYS=.*/CONFIG_SYSTEM_REVOCATION_KEYS=""/' \
	    "$debian" > "$out"
	echo "$out"
}
