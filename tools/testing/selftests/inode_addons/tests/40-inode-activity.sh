# SPDX-License-Identifier: GPL-2.0
# The inode-activity sample (samples/inode_addons/inode_activity), built on
# the host against this kernel's BTF (INODE_ACTIVITY names it): its counts
# come from tracing programs, and with its storage map pinned in bpffs they
# outlive the tool: a restarted tool carries on with the counts of the
# inodes still cached, and finds none for the inodes evicted meanwhile.

ia_suite() {
	local tool=${INODE_ACTIVITY:-} w pin log pid

	# ia_start LOG ARGS...: starts the tool and returns once its programs
	# are attached (sets pid).
	ia_start() {
		log=$1
		shift
		# Emptied before the tool starts: the background job's own
		# redirection may come after the first poll, which must not
		# find an earlier run's lines.
		: > "$log"
		"$tool" -n 100 -p "$w/" "$@" > "$log" 2>&1 &
		pid=$!
		wait_for_match 300 "inode-activity: tracing" "$log" "$pid" && return 0
		echo "the tool did not start:"
		cat "$log"
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	}
	# ia_test FN: runs FN; a tool that FN left running (it failed half-way)
	# is stopped, so that it cannot disturb the tests after it.
	ia_test() {
		local rc
		pid=
		"$1"
		rc=$?
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			echo "stopping the tool that $1 left running"
			kill -TERM "$pid"
			wait "$pid"
		fi
		return $rc
	}
	# ia_stop: stops it (SIGTERM: it prints its final report) and checks
	# that it exited with 0.
	ia_stop() {
		local rc
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		pid=	# reaped: ia_test must not signal a reused pid
		sed 's/^/    /' "$log"
		[ $rc = 0 ] || { echo "inode-activity exited with $rc"; return 1; }
	}
	# expect_line TEXT: the tool's log has a line with TEXT; else says so
	# and shows the log.
	expect_line() {
		grep -qF "$1" "$log" && return 0
		echo "no line with '$1' in the tool's log:"
		sed 's/^/    /' "$log"
		return 1
	}
	# expect_opens FILE N: the tool's final report gives FILE N opens
	# ("none": no row at all).
	expect_opens() {
		local got
		got=$(awk -v p="$w/$1" '$NF == p { print $1; f = 1 }
					END { if (!f) print "none" }' "$log")
		echo "$1: $got opens reported, $2 expected"
		[ "$got" = "$2" ]
	}
	opens() {	# opens FILE N: N separate opens and reads of FILE
		local i
		for ((i = 0; i < $2; i++)); do read -r _ < "$w/$1"; done
	}

	if [ -z "$tool" ] || [ ! -x "$tool" ]; then
		skip inode-activity/all "no inode-activity binary (INODE_ACTIVITY)"
		return
	fi
	mountpoint -q /sys/fs/bpf || mount -t bpf none /sys/fs/bpf
	w=$(mktemp -d /tmp/ia.XXXXXX)
	mount -t tmpfs ia "$w"
	pin=/sys/fs/bpf/inode_activity_test
	rm -f "$pin"

	# Without CONFIG_INODE_ADDONS, tracing programs may not use inode
	# storage: loading must fail, and say what the tool needs.
	t_refused_without_addons() {
		[ "$variant" = n ] || return 4
		: > "$w/x"
		"$tool" -d 1 > "$w.log" 2>&1 && { cat "$w.log"; return 1; }
		cat "$w.log"
		grep -q "CONFIG_INODE_ADDONS=y" "$w.log" || return 1
		# The same with --pin, and nothing is left pinned.
		"$tool" -d 1 --pin "$pin" > "$w.log" 2>&1 && { cat "$w.log"; return 1; }
		cat "$w.log"
		grep -q "CONFIG_INODE_ADDONS=y" "$w.log" && [ ! -e "$pin" ]
	}
	run inode-activity/refused-without-addons t_refused_without_addons
	if [ "$variant" != y ]; then
		umount "$w"
		rmdir "$w"
		return
	fi

	t_counts() {
		echo data > "$w/a"
		echo data > "$w/b"
		ia_start "$w.1" || return 1
		opens a 3
		opens b 2
		ia_stop || return 1
		expect_opens a 3 && expect_opens b 2 && [ ! -e "$pin" ]
	}
	run inode-activity/counts-opens ia_test t_counts
	# Booted without the BPF LSM, the question is whether the tool works
	# at all; pinning is the same code with or without it.
	if [ -n "${EXPECT_NO_BPF_LSM:-}" ]; then
		umount "$w"
		rmdir "$w"
		return
	fi

	# Run 1 pins the map; while no tool runs, a is opened (not counted: no
	# program is attached), b is deleted (its inode and its value go) and
	# made again (a new inode).  Run 2 reuses the pin: a carries on from 3,
	# b starts from nothing.
	t_pinned_restart() {
		echo data > "$w/a"
		echo data > "$w/b"
		ia_start "$w.1" --pin "$pin" || return 1
		expect_line "storage map pinned at $pin" || return 1
		opens a 3
		opens b 5
		ia_stop || return 1
		expect_opens a 3 && expect_opens b 5 || return 1
		bpftool map show pinned "$pin" | grep -q inode_storage || {
			echo "nothing of type inode_storage pinned at $pin after the tool exited"
			return 1
		}
		opens a 2
		rm "$w/b"
		settle
		echo data > "$w/b"
		ia_start "$w.2" --pin "$pin" || return 1
		expect_line "storage map reused from $pin" || return 1
		opens a 1
		opens b 1
		ia_stop || return 1
		expect_opens a 4 && expect_opens b 1
	}
	run inode-activity/pinned-map-survives-restart ia_test t_pinned_restart

	# Unpinned with values on many live inodes, the map is freed: its
	# storage is destroyed while those inodes stay cached.
	t_unpin_frees_map() {
		local i
		[ -e "$pin" ] || return 1
		rm "$pin"
		for ((i = 0; i < 100; i++)); do
			bpftool map show name activity 2>/dev/null | grep -q inode_storage || break
			snooze 0.1
		done
		if bpftool map show name activity 2>/dev/null | grep -q inode_storage; then
			echo "the map is still there 100 polls after its last pin went"
			return 1
		fi
		# The inodes that had values are still usable, and a new run on
		# a new map starts from nothing.
		ia_start "$w.3" || return 1
		opens a 1
		ia_stop || return 1
		expect_opens a 1
	}
	run inode-activity/unpin-frees-the-map ia_test t_unpin_frees_map

	# Bad pins: a path outside bpffs, and a pinned map of another kind.
	# Both must fail with a message that names the problem.
	t_bad_pins() {
		"$tool" --pin "$w/not-bpffs" -d 1 > "$w.4" 2>&1 && { cat "$w.4"; return 1; }
		cat "$w.4"
		grep -q "bpffs" "$w.4" || return 1
		bpftool map create "$pin" type hash key 4 value 8 entries 1 name ia_wrong ||
			return 1
		"$tool" --pin "$pin" -d 1 > "$w.5" 2>&1 && { cat "$w.5"; rm -f "$pin"; return 1; }
		cat "$w.5"
		rm -f "$pin"
		grep -q "reusing the map pinned at $pin" "$w.5"
	}
	run inode-activity/bad-pins-refused ia_test t_bad_pins

	rm -f "$pin" "$w".[0-9] "$w.log"
	umount "$w"
	rmdir "$w"
}

ia_suite
