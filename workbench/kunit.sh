#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make kunit: our KUnit suites the way a kernel developer runs them, with
# the kernel's own tool and the .kunitconfig next to the tests:
#   tools/testing/kunit/kunit.py run --kunitconfig=rust/inode_addons --arch=x86_64
# in a build directory of its own (build/kunit), under QEMU (TCG here).
# Extra arguments go to kunit.py (e.g. a suite glob: 'inode_addons*').
set -euo pipefail
. "$(dirname "$0")/env.sh"

[ -f "$SRC/.inode-addons-stamp" ] || die "no patched tree at $SRC: run 'make source'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (make deps)"
cd "$SRC"
exec python3 tools/testing/kunit/kunit.py run --kunitconfig=rust/inode_addons \
	--arch=x86_64 --build_dir="$BUILD_DIR/kunit" --jobs="$JOBS" --timeout="${KUNIT_TIMEOUT:-1200}" \
	--make_options LLVM=-19 --make_options "CC=ccache clang-19" \
	--make_options RUSTC=/usr/bin/rustc --make_options RUSTDOC=/usr/bin/rustdoc \
	--make_options "BINDGEN=$HOME/.cargo/bin/bindgen" \
	--make_options KBUILD_BUILD_TIMESTAMP=2026-01-01 "$@"
