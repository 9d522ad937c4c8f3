# SPDX-License-Identifier: GPL-2.0
# File locking keeps working with the lock context in the add-on container,
# and containers exist only on inodes that lock, and go with them.
#
# fs/locks.c is the same code on all four filesystems (none of them has its
# own ->lock or ->flock), so the lock semantics run on the first filesystem
# of the list; what differs is inode teardown, so the container test runs
# on every one.  Each exec costs seconds on the TCG debug kernel.

locks_suite() {
	local fs=$1 dir=$2 n=40 before f i holder ino

	# Holds an exclusive flock(1) on $1 in the background until
	# release_flock; returns once /proc/locks lists it (a fixed sleep is
	# not enough on a loaded TCG guest).  Sets holder and ino.
	hold_flock() {
		ino=$(stat -c %i "$1")
		flock -x "$1" sleep 120 &
		holder=$!
		wait_for_match 300 "FLOCK .*:$ino " /proc/locks && return 0
		echo "flock(1) did not get the lock on $1 within 300 s"
		release_flock
		return 1
	}
	release_flock() {
		# The lock belongs to the open file, which the sleep(1) child
		# shares: stop the child first, then flock(1) exits by itself.
		# flock(1) may not have forked it yet.
		local i
		for ((i = 0; i < 100; i++)); do
			pkill -P "$holder" 2>/dev/null && break
			kill -0 "$holder" 2>/dev/null || break
			snooze 0.1
		done
		wait "$holder" 2>/dev/null
		return 0
	}

	t_flock_conflict() {
		f=$dir/flock
		: > "$f"
		hold_flock "$f" || return 1
		# Held by the other process: a non-blocking attempt must fail.
		if flock -n -x "$f" true; then release_flock; return 1; fi
		release_flock
		flock -n -x "$f" true
	}
	if first_test_fs "$fs"; then
		run "locks-$fs/flock-conflict" t_flock_conflict
		run "locks-$fs/posix-fcntl" addons_test posix "$dir/posix"
		run "locks-$fs/ofd" addons_test ofd "$dir/ofd"
		run "locks-$fs/lease-break" addons_test lease "$dir/lease"

		# /proc/locks walks the lock contexts: the flock(1) lock on this inode
		# must be listed, with its holder.
		t_proc_locks() {
			local line
			f=$dir/proclocks
			: > "$f"
			hold_flock "$f" || return 1
			line=$(grep -E "FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " \
				/proc/locks)
			echo "/proc/locks: $line"
			release_flock
			[ -n "$line" ] && ! grep -qE ":$ino " /proc/locks
		}
		run "locks-$fs/proc-locks-shows-flock" t_proc_locks

		# lslocks(8) reads /proc/locks and names the file through the holder's
		# /proc/PID/fd: it must show the lock with its path.
		t_lslocks() {
			local line
			f=$dir/lslocks
			: > "$f"
			hold_flock "$f" || return 1
			line=$(lslocks -n -u -o PID,TYPE,MODE,PATH |
				awk -v p="$holder" -v f="$f" '$1 == p && $4 == f')
			echo "lslocks: $line"
			[ -n "$line" ] || lslocks -u -o PID,TYPE,MODE,PATH
			release_flock
			[ -n "$line" ] &&
				[ "$(echo "$line" | awk '{ print $2 "/" $3 }')" = FLOCK/WRITE ]
		}
		run "locks-$fs/lslocks-shows-flock" t_lslocks
	fi

	t_containers_only_on_locked() {
		[ "$variant" = y ] || return 4
		mkdir -p "$dir/many"
		settle
		before=$(addons_live)
		for ((i = 1; i <= 200; i++)); do : > "$dir/many/f$i"; done
		live_delta_within "$before" 0 2 "200 new files" || return 1
		# One process takes and drops the $n locks (an exec each would
		# cost seconds under TCG).
		local files=()
		for ((i = 1; i <= n; i++)); do files+=("$dir/many/f$i"); done
		addons_test flock "${files[@]}" || return 1
		live_delta_within "$before" $n $((n + 2)) "flock on $n of them" || return 1
		rm -rf "$dir/many"
		settle
		live_delta_within "$before" 0 2 "after unlink"
	}
	run "locks-$fs/containers-only-on-locked-inodes" t_containers_only_on_locked
}

with_test_filesystems locks_suite
