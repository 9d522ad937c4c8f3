#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In-guest tests of the inode add-on container, run by "make check" inside
# the booted test kernel.  Prints one "GUEST: ok|not ok|skip <name>" line per
# test and "GUEST: done" at the end; the host-side runner counts them.
#
# Usage: run_guest.sh y|n [TESTS]
#   y|n    the kernel's CONFIG_INODE_ADDONS
#   TESTS  a glob of tests/ to run (default: all), e.g. '35-test-progs'
variant=${1:?usage: run_guest.sh y|n [TESTS]}
only=${2:-*}
here=$(cd "$(dirname "$0")" && pwd)
export PATH=${GUEST_BIN:-/nonexistent}:$PATH
export TMPDIR=${TMPDIR:-/tmp}

GUEST_FAILED=0
ok()   { echo "GUEST: ok $1"; }
nok()  { echo "GUEST: not ok $1 - $2"; GUEST_FAILED=1; }
skip() { echo "GUEST: skip $1 - $2"; }
# run NAME CMD...: CMD's exit status decides; its output is kept in the log.
run() {
	local name=$1 out rc t0=$SECONDS
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed "s|^|  [$name] |"
	echo "GUEST-TIME: $name $((SECONDS - t0))"
	if [ $rc = 0 ]; then
		ok "$name"
	elif [ $rc = 4 ]; then
		skip "$name" "not applicable"
	else
		nok "$name" "exit $rc"
	fi
}
export -f ok nok skip

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
[ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security &&
	mount -t securityfs none /sys/kernel/security
. "$here/lib.sh"

# Where the guest's time goes (check.py prints the largest): the boot
# until here, each test (run) and each file of tests/.
echo "GUEST-TIME: boot $(cut -d. -f1 /proc/uptime)"
for t in "$here"/tests/$only.sh; do
	t0=$SECONDS
	# shellcheck source=/dev/null
	. "$t"
	echo "GUEST-TIME: tests/$(basename "$t") $((SECONDS - t0))"
done
rm -f "${TMPDIR:-/tmp}"/inode_addons-*.img	# with_image_fs's images
t0=$SECONDS

# Leaks: the last test.  Two scans, as kmemleak reports an object only
# once it has stayed unreferenced across scans.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo clear > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -z "$leaks" ]; then
		ok kmemleak/clean
	else
		printf '%s\n' "$leaks" | head -60
		nok kmemleak/clean "suspected leaks"
	fi
else
	skip kmemleak/clean "kmemleak not available"
fi
echo "GUEST-TIME: kmemleak $((SECONDS - t0))"
echo "GUEST: done"
