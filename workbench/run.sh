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
timeout_s=${RUN_TIMEOUT:-1200}

# 'script' gives vng the terminal it wants even when we have none (CI).
set +e
timeout --foreground -k 10 "$timeout_s" \
	vng --run "$kernel" "${accel[@]}" --force-9p --verbose \
	    --memory "${RUN_MEMORY:-2G}" --cpus "${RUN_CPUS:-2}" \
	    --rwdir "$rw" --cwd "$TOP" \
	    --append "no5lvl oops=panic panic=-1 ${RUN_APPEND:-}" \
	    "$@" --exec "$cmd" < /dev/null
rc=$?
set -e
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "run: TIMEOUT after ${timeout_s}s" >&2
fi
exit $rc
