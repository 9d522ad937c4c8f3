# SPDX-License-Identifier: GPL-2.0
# The container cache and its fault-injection point exist exactly when
# CONFIG_INODE_ADDONS=y.

t_cache_registered() {
	if [ "$variant" = y ]; then
		grep -q '^inode_addons ' /proc/slabinfo
	else
		! grep -q '^inode_addons ' /proc/slabinfo
	fi
}
run core/cache-registered t_cache_registered

t_fault_attr() {
	[ "$variant" = y ] || return 4
	[ -r /sys/kernel/debug/fail_inode_addons/probability ]
}
run core/fault-injection-debugfs t_fault_attr

# kmemleak sees the containers that kmem_cache_alloc_nolock() makes (BPF
# programs): one is leaked on purpose through the debug knob, and scans must report it
# (two at least: the first only notes the object's checksum).  The report
# is cleared and the container freed afterwards, whether it was reported or
# not, so the final leak check only sees real leaks.
t_kmemleak_sees_nolock_containers() {
	local knob=/sys/kernel/debug/inode_addons/kmemleak_selftest addr found i
	[ "$variant" = y ] || return 4
	[ -w /sys/kernel/debug/kmemleak ] || { echo "no kmemleak"; return 4; }
	[ -w "$knob" ] || { echo "no $knob"; return 1; }
	# The scan announces the leak on the console: tell the host's judge
	# (workbench/check.py) that this one is expected.
	echo "inode_addons-test: expected kmemleak report begins" > /dev/kmsg
	echo 1 > "$knob" || return 1
	# The knob gives the address complemented, so that no copy of it
	# lingers on a stack as a reference.
	addr=$(printf '0x%x' $(( ~$(cat "$knob") )))
	echo "leaked container at $addr"
	# kmemleak reports objects only once they are 5 s old.
	snooze 6
	for ((i = 1; i <= 8; i++)); do
		echo scan > /sys/kernel/debug/kmemleak
		found=$(grep -A3 "unreferenced object $addr " /sys/kernel/debug/kmemleak)
		[ -n "$found" ] && break
		snooze 1
	done
	echo "$found"
	echo "reported after $i scan(s)"
	# Whether kmemleak tracks it at all, on the console, for a failure.
	[ -n "$found" ] || echo "dump=$addr" > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
	echo 0 > "$knob"
	echo "inode_addons-test: expected kmemleak report ends" > /dev/kmsg
	[ -n "$found" ]
}
run core/kmemleak-sees-nolock-containers t_kmemleak_sees_nolock_containers
