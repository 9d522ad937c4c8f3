#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make kunit: our KUnit suites the way a kernel developer runs them, with
# the kernel's own tool and the .kunitconfig next to the tests:
#   tools/testing/kunit/kunit.py run --kunitconfig=rust/inode_addons --arch=x86_64
# in a build directory of its own (build/kunit), under QEMU (TCG here),
# with two CPUs (KUNIT_CPUS) so that the RCU reader test has its second CPU.
# Extra arguments go to kunit.py (e.g. a suite glob: 'inode_addons*').
set -euo pipefail
. "$(dirname "$0")/env.sh"

[ -f "$SRC/.inode-addons-stamp" ] || die "no patched tree at $SRC: run 'make source'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (make deps)"
# kunit.py asks QEMU for "-accel kvm -accel hvf -accel tcg", in that order.
# Where /dev/kvm exists but the CPU has no vmx/svm (these machines), KVM
# accepts the guest and then runs nothing: hide it from QEMU so that the
# list falls through to TCG.
if ! grep -qE 'vmx|svm' /proc/cpuinfo; then
	shim=$BUILD_DIR/kunit-bin
	mkdir -p "$shim"
	cat > "$shim/qemu-system-x86_64" <<'SHIM'
#!/usr/bin/env bash
# Written by workbench/kunit.sh: drop "-accel kvm" (no vmx/svm here).
args=()
while [ $# -gt 0 ]; do
	if [ "$1" = -accel ] && [ "${2:-}" = kvm ]; then shift 2; continue; fi
	args+=("$1")
	shift
done
exec /usr/bin/qemu-system-x86_64 "${args[@]}"
SHIM
	chmod +x "$shim/qemu-system-x86_64"
	export PATH=$shim:$PATH
fi
cd "$SRC"
exec python3 tools/testing/kunit/kunit.py run --kunitconfig=rust/inode_addons \
	--arch=x86_64 --build_dir="$BUILD_DIR/kunit" --jobs="$JOBS" --timeout="${KUNIT_TIMEOUT:-1200}" \
	--make_options LLVM=-19 --make_options "CC=ccache clang-19" \
	--make_options RUSTC=/usr/bin/rustc --make_options RUSTDOC=/usr/bin/rustdoc \
	--make_options "BINDGEN=$HOME/.cargo/bin/bindgen" \
	--make_options KBUILD_BUILD_TIMESTAMP=2026-01-01 \
	--qemu_args "-smp ${KUNIT_CPUS:-2}" "$@"
