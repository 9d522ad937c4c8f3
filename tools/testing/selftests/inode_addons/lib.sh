# SPDX-License-Identifier: GPL-2.0
# Helpers for the in-guest tests; sourced by run_guest.sh.

# Active objects of a slab cache, from /proc/slabinfo (empty if no such cache).
slab_active() {
	awk -v c="$1" '$1 == c { print $2 }' /proc/slabinfo
}

# Flush RCU callbacks and caches so that freed containers are accounted.
settle() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	# Deferred (RCU) frees and slab per-CPU caches: give them a moment.
	sleep 1
	echo 1 > /sys/kernel/slab/inode_addons/shrink 2>/dev/null || true
}
