#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: starts inode-activity in the background, runs a small workload
# on a fresh tmpfs (create, write, read, reopen, delete some files), stops
# the tool and prints its report.  Run as root in the booted kernel:
#
#     run_demo.sh [PATH-TO-inode-activity]
#
# (default: $BUILD_DIR/sample-target/release/inode-activity, the output of
# build.sh).  Exits non-zero if the tool fails or its report lacks a file
# the workload used.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
tool=${1:-${BUILD_DIR:-$top/build}/sample-target/release/inode-activity}
say() { echo "DEMO: $*"; }

[ "$(id -u)" = 0 ] || { say "must run as root"; exit 2; }
[ -x "$tool" ] || { say "no tool at $tool: run $here/build.sh first"; exit 2; }

say "inode-activity: per-inode opens/reads/writes kept in BPF inode storage"
work=$(mktemp -d /tmp/inode-activity.XXXXXX)
mount -t tmpfs inode-activity "$work" || { say "cannot mount a tmpfs on $work"; exit 2; }
log=$work.log
cleanup() { umount "$work" 2>/dev/null; rmdir "$work" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT

"$tool" -n 10 -p "$work/" > "$log" 2>&1 &
pid=$!
# Wait until the programs are attached.
for _ in $(seq 100); do
	grep -q "inode-activity: tracing" "$log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "inode-activity: tracing" "$log"; then
	say "the tool did not start:"
	sed 's/^/DEMO:   /' "$log"
	exit 1
fi
say "inode-activity (pid $pid) is tracing; workload in $work"

# The workload: a log written often, a config read often, a file read once,
# and a temporary file deleted at the end (its value goes with its inode).
for i in $(seq 20); do echo "line $i" >> "$work/app.log"; done
printf 'key=value\n' > "$work/app.conf"
for _ in $(seq 30); do cat "$work/app.conf" > /dev/null; done
dd if=/dev/zero of="$work/blob" bs=4096 count=16 status=none
cat "$work/blob" > /dev/null
echo scratch > "$work/tmpfile"; cat "$work/tmpfile" > /dev/null; rm "$work/tmpfile"
sleep 0.5

kill -TERM $pid
wait $pid
rc=$?
say "inode-activity exited with $rc; its report:"
sed 's/^/DEMO:   /' "$log"

status=0
[ $rc = 0 ] || status=1
for f in app.log app.conf blob; do
	grep -q " $work/$f\$" "$log" || { say "MISSING from the report: $work/$f"; status=1; }
done
if grep -q " $work/tmpfile\$" "$log"; then
	say "UNEXPECTED: the deleted file is still reported"
	status=1
fi
exit $status
