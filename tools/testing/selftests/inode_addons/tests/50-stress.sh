# SPDX-License-Identifier: GPL-2.0
# The stress run (stress/stress.c) on tmpfs, ext4, XFS and btrfs at once,
# for STRESS_SECS seconds (skipped when unset): no kernel report (judged by
# the host from the console), the driver's workers all ran without an
# unexpected error, and the live containers back at their baseline once the
# filesystems are unmounted.  The BPF programs store a referenced task_struct
# kptr in their values: a value freed without releasing it keeps a dead task
# allocated, so the task_struct objects that no live thread accounts for
# must be back at their baseline too.

# task_struct objects in use minus the threads that exist.  Shrinking the
# cache first returns what /proc/slabinfo would count as active but is free:
# objects on per-CPU slabs, and freed ones still in KASAN's quarantine.
unaccounted_tasks() {
	local objs threads
	echo 1 > /sys/kernel/slab/task_struct/shrink 2>/dev/null
	objs=$(awk '$1 == "task_struct" { print $2 }' /proc/slabinfo)
	threads=$(find /proc/[0-9]*/task -maxdepth 1 -mindepth 1 2>/dev/null | wc -l)
	echo $((objs - threads))
}

t_stress() {
	local secs=${STRESS_SECS:-} bin base fs dirs=() before after rc
	local tasks_before tasks_after
	[ -n "$secs" ] || { echo "STRESS_SECS not set"; return 4; }
	bin=${STRESS_BIN:-$(dirname "$GUEST_BIN")/stress/stress}
	[ -x "$bin" ] || { echo "no $bin"; return 1; }
	base=$(mktemp -d /tmp/stress.XXXXXX)
	[ -r "$STATS" ] && { settle; before=$(addons_live); }
	settle; tasks_before=$(unaccounted_tasks)
	for fs in $ALL_TEST_FILESYSTEMS; do
		mount_test_fs "$fs" "$base/$fs" || { echo "cannot mount $fs"; return 1; }
		mkdir "$base/$fs/stress"
		dirs+=("$base/$fs/stress")
	done
	"$bin" "$secs" "${dirs[@]}"
	rc=$?
	for fs in $ALL_TEST_FILESYSTEMS; do umount "$base/$fs"; done
	rm -rf "$base"
	if [ -r "$STATS" ]; then
		settle
		live_delta_within "$before" -2 2 "stress, after unmount" || rc=1
	fi
	# Dead tasks are freed after an RCU grace period; kthreads and
	# kworkers come and go: a few either way.
	settle; sleep 1; tasks_after=$(unaccounted_tasks)
	echo "task_struct objects without a thread: $tasks_before -> $tasks_after"
	[ $((tasks_after - tasks_before)) -le 4 ] || rc=1
	return $rc
}
run stress/all-filesystems t_stress
