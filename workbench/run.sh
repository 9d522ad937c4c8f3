#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a built kernel under QEMU with the host's root filesystem visible
# read-only (virtme-ng over 9p), run CMD in the guest, and exit with CMD's
# exit status.  The whole console log goes to stdout (or $LOG).
# TCG unless the CPU really has vmx/svm (/dev/kvm alone does not count).
#
# Usage: run.sh BZIMAGE CMD [extra vng arguments...]
set -euo pipefail
. "$(dirname "$0")/env.sh"

kernel=${1:?usage: run.sh BZIMAGE CMD}
cmd=${2:?usage: run.sh BZIMAGE CMD}
shift 2
[ -f "$kernel" ] || die "no kernel at $kernel: run 'make kernel' first"
command -v vng >/dev/null || die "vng (virtme-ng) not found: run 'make deps'"

accel=(--disable-kvm)
if grep -qE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ]; then
	accel=()
fi
# The host's root is shared read-only; results come back through --rwdir.
rw=${RUN_RWDIR:-$BUILD_DIR/guest-out}
mkdir -p "$rw"
timeout_s=${RUN_TIMEOUT:-2400}

# Without udev, virtme-ng-init runs the script on the console and loses its
# exit status: print it after the command and take it from there.
set +e
timeout --foreground -k 10 "$timeout_s" \
	vng --run "$kernel" "${accel[@]}" --force-9p --verbose \
	    --memory "${RUN_MEMORY:-2G}" --cpus "${RUN_CPUS:-2}" \
	    --rwdir "$rw" --cwd "$TOP" \
	    --append "no5lvl oops=panic panic=-1 ${RUN_APPEND:-}" \
	    "$@" --exec "$cmd; echo RUN-EXIT-STATUS=\$?" < /dev/null 2>&1 | tee "$BUILD_DIR/run-console.log"
rc=${PIPESTATUS[0]}
set -e
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "run: TIMEOUT after ${timeout_s}s" >&2
	exit $rc
fi
status=$(sed -n 's/^.*RUN-EXIT-STATUS=\([0-9]*\).*$/\1/p' "$BUILD_DIR/run-console.log" | tail -n 1)
[ -n "$status" ] || { echo "run: the guest did not report an exit status (vng exited $rc)" >&2; exit 125; }
exit "$status"
