# SPDX-License-Identifier: GPL-2.0
# Shared futexes keyed by inode keep working with the inode's futex
# sequence number in the add-on container (CONFIG_INODE_ADDONS=y), where
# the first use of an inode as a key creates the container and eviction
# takes it away; and the kernel's own futex selftests pass.

futex_suite() {
	local fs=$1 dir=$2 n=20 before i

	# The same code on every filesystem: the semantics run on the first.
	if first_test_fs "$fs"; then
		t_futex_wait_wake() {
			addons_test futex "$dir"
		}
		run "futex-$fs/wake-reaches-same-inode-only" t_futex_wait_wake
	fi

	# Inode teardown differs: containers on every filesystem.
	t_containers_only_on_keys() {
		[ "$variant" = y ] || return 4
		mkdir -p "$dir/keys"
		local files=()
		for ((i = 1; i <= 2 * n; i++)); do : > "$dir/keys/f$i"; done
		for ((i = 1; i <= n; i++)); do files+=("$dir/keys/f$i"); done
		settle
		before=$(addons_live)
		# One process maps each of $n of the files and wakes its first
		# word, which makes the inode a key.
		addons_test futex-keys "${files[@]}" || return 1
		live_delta_within "$before" $n $((n + 2)) "futex keys on $n of $((2 * n)) files" ||
			return 1
		# A second use finds the number: no new container.
		addons_test futex-keys "${files[@]}" || return 1
		live_delta_within "$before" $n $((n + 2)) "the same keys again" || return 1
		rm -rf "$dir/keys"
		settle
		live_delta_within "$before" 0 2 "after unlink"
	}
	run "futex-$fs/containers-only-on-key-inodes" t_containers_only_on_keys
}

with_test_filesystems futex_suite

# tools/testing/selftests/futex/functional, built on the host: those that
# use shared (file-backed or shmem) futexes and the basic operations; each
# exits with the kselftest status (0 pass, 4 skip), and futex_wait makes its
# file in the working directory, which must be writable.  Not run:
# futex_requeue and futex_waitv, whose waiters must be asleep within fixed
# delays (a 10 ms usleep() before the wake, timeouts of a few seconds for
# eight threads), which a TCG guest running the debug kernel misses with or
# without the container; futex_requeue_pi* and the NUMA tests, minutes long.
# The host builds the programs that futex_progs names (workbench/check.py
# reads it).
futex_progs="futex_wait futex_wait_private_mapped_file futex_wait_wouldblock
	futex_wait_timeout futex_wait_uninitialized_heap"
cd "$TMPDIR" || nok futex-selftests/cd "no $TMPDIR"
for futex_prog in $futex_progs; do
	if [ -x "${FUTEX_SELFTESTS:-}/$futex_prog" ]; then
		run "futex-selftests/$futex_prog" "$FUTEX_SELFTESTS/$futex_prog"
	else
		nok "futex-selftests/$futex_prog" "not built in ${FUTEX_SELFTESTS:-(unset)}"
	fi
done
cd - >/dev/null || :
