#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make demo": runs inside the patched kernel and shows the inode add-on
# container at work.  Every line it prints starts with "DEMO:".
say() { echo "DEMO: $*"; }
slab() { awk -v c="$1" '$1 == c { printf "%s active, %s bytes each", $2, $4 }' /proc/slabinfo; }
# Containers alive now: the crate's exact counters (slabinfo counts whole slabs).
active() { awk '$1 == "live" { print $2 }' /sys/kernel/debug/inode_addons/stats; }
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

say "kernel $(uname -r)"
say "struct inode in inode_cache: $(cat /sys/kernel/slab/inode_cache/object_size) bytes" \
    "(shmem_inode_cache: $(cat /sys/kernel/slab/shmem_inode_cache/object_size))"
if ! grep -q '^inode_addons ' /proc/slabinfo; then
	say "this kernel has CONFIG_INODE_ADDONS=n: no container cache"
	exit 0
fi
say "container cache inode_addons: $(slab inode_addons); live containers: $(active)"

dir=$(mktemp -d /tmp/demo.XXXXXX)
mount -t tmpfs demo "$dir"
n=200
before=$(active)
for i in $(seq $n); do : > "$dir/f$i"; done
say "created $n files on tmpfs: live containers $before -> $(active) (none needed)"
for i in $(seq 50); do flock "$dir/f$i" true; done
say "flock(1) on 50 of them: live containers $(active)"
for i in $(seq 51 100); do inotifywait -qq -t 1 -e open "$dir/f$i" >/dev/null 2>&1 & done
sleep 2
say "inotify watches on 50 others: live containers $(active)"
wait
umount "$dir"
for i in 1 2 3; do echo 3 > /proc/sys/vm/drop_caches; sleep 1; done
say "after unmount (inodes evicted, containers freed after RCU): $(active)"
rmdir "$dir"

# The sample tools, each with its demo (a directory here with run_demo.sh).
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for demo in "$here"/*/run_demo.sh; do
	say ""
	"$demo" || rc=1
done
exit $rc
