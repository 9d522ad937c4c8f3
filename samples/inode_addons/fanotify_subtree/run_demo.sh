#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side: starts fanotify-subtree on a directory of a fresh tmpfs, writes
# 200 files next to that directory and 2 in it, moves one file in, stops
# the tool and prints what it received and what the kernel dropped for it.
# Run as root in the booted kernel:
#
#     run_demo.sh [PATH-TO-fanotify-subtree]
#
# (default: $BUILD_DIR/sample-target/release/fanotify-subtree).  Exits
# non-zero if the tool fails, an event from outside the tree reached it, or
# an event in the tree did not.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
tool=${1:-${BUILD_DIR:-$top/build}/sample-target/release/fanotify-subtree}
say() { echo "DEMO: $*"; }

[ "$(id -u)" = 0 ] || { say "must run as root"; exit 2; }
[ -x "$tool" ] || { say "no tool at $tool: run $here/../build.sh fanotify_subtree first"; exit 2; }

say "fanotify-subtree: a filesystem mark whose BPF filter keeps one directory tree"
work=$(mktemp -d /tmp/fanotify-subtree.XXXXXX)
mount -t tmpfs fanotify-subtree "$work" || { say "cannot mount a tmpfs on $work"; exit 2; }
log=$work.log
cleanup() { umount "$work" 2>/dev/null; rmdir "$work" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT
mkdir "$work/project" "$work/elsewhere"

"$tool" "$work/project" > "$log" 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do
	grep -q "fanotify-subtree: watching" "$log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "fanotify-subtree: watching" "$log"; then
	say "the tool did not start:"
	sed 's/^/DEMO:   /' "$log"
	exit 1
fi
say "fanotify-subtree (pid $pid) watches $work/project through a filesystem mark"

for ((i = 0; i < 200; i++)); do echo "$i" > "$work/elsewhere/f$i"; done
echo main > "$work/project/main.c"
mkdir "$work/project/src"
echo util > "$work/project/src/util.c"
mv "$work/elsewhere/f0" "$work/project/moved-in.c"
say "wrote 200 files in $work/elsewhere, 2 in the tree, moved 1 in"
sleep 0.5

kill -TERM $pid
wait $pid
rc=$?
say "fanotify-subtree exited with $rc; what it printed:"
sed 's/^/DEMO:   /' "$log"

status=0
[ $rc = 0 ] || status=1
if grep -q " $work/elsewhere" "$log"; then
	say "UNEXPECTED: events from outside the tree reached the tool"
	status=1
fi
for f in main.c src src/util.c moved-in.c; do
	grep -q " $work/project/$f\$" "$log" && continue
	say "MISSING: events of $work/project/$f"
	status=1
done
exit $status
