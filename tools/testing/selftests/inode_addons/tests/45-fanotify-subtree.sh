# SPDX-License-Identifier: GPL-2.0
# The fanotify-subtree sample (samples/inode_addons/fanotify_subtree), built
# on the host against this kernel's BTF (FANOTIFY_SUBTREE names it): a
# filesystem mark whose BPF filter drops, before they are queued, the events
# outside the watched tree.  Its own report says what the filter delivered
# and dropped; the events it printed say what reached user space.

fs_suite() {
	local tool=${FANOTIFY_SUBTREE:-} w log pid

	if [ -z "$tool" ] || [ ! -x "$tool" ]; then
		skip fanotify-subtree/all "no fanotify-subtree binary (FANOTIFY_SUBTREE)"
		return
	fi
	w=$(mktemp -d /tmp/fs.XXXXXX)
	mount -t tmpfs fs "$w"
	mkdir "$w/tree" "$w/other"
	log=$w.log

	# Without CONFIG_INODE_ADDONS a filter cannot use inode storage: the
	# tool must refuse to start and name what it needs.
	t_refused_without_addons() {
		[ "$variant" = n ] || return 4
		"$tool" -d 1 "$w/tree" > "$log" 2>&1 && { cat "$log"; return 1; }
		cat "$log"
		grep -q "CONFIG_INODE_ADDONS" "$log"
	}
	run fanotify-subtree/refused-without-addons t_refused_without_addons
	if [ "$variant" != y ]; then
		umount "$w"
		rm -rf "$w" "$log"
		return
	fi

	# 99 files written outside the tree, one inside; a directory made in
	# it and a file in that; a file moved out and one moved in.
	t_subtree() {
		local i rc dropped delivered
		# A line of the log for path p whose mask has the bit m.
		local has='$2 == p && index("|" $1 "|", "|" m "|") { f = 1 } END { exit !f }'
		: > "$log"
		"$tool" "$w/tree" > "$log" 2>&1 &
		pid=$!
		if ! wait_for_match 300 "fanotify-subtree: watching" "$log" "$pid"; then
			echo "the tool did not start:"
			cat "$log"
			kill "$pid" 2>/dev/null
			wait "$pid"
			return 1
		fi
		for ((i = 0; i < 99; i++)); do echo data > "$w/other/f$i"; done
		echo data > "$w/tree/f"
		mkdir "$w/tree/sub"
		echo data > "$w/tree/sub/g"
		echo data > "$w/tree/out"
		mv "$w/tree/out" "$w/other/out"
		echo data > "$w/other/out"	# no longer in the tree
		mv "$w/other/f0" "$w/tree/in"
		echo data > "$w/tree/in"	# in the tree now
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		sed 's/^/    /' "$log"
		[ $rc = 0 ] || { echo "fanotify-subtree exited with $rc"; return 1; }

		if grep -q " $w/other" "$log"; then
			echo "events from outside the tree reached user space"
			return 1
		fi
		for want in "CREATE|CLOSE_WRITE $w/tree/f" "CREATE|ONDIR $w/tree/sub" \
			    "CREATE|CLOSE_WRITE $w/tree/sub/g" "MOVED_FROM $w/tree/out" \
			    "MOVED_TO $w/tree/in" "CLOSE_WRITE $w/tree/in"; do
			# Queued events of one file may be merged into one line.
			local mask=${want%% *} path=${want#* } m ok=0
			for m in ${mask//|/ }; do
				awk -v p="$path" -v m="$m" "$has" "$log" && continue
				echo "no $m event for $path"
				ok=1
			done
			[ $ok = 0 ] || return 1
		done
		# What the filter was given: per file written a create and a
		# close_write, per move a moved_from and a moved_to.
		dropped=$(sed -n 's/.* dropped \([0-9]*\) in the kernel.*/\1/p' "$log")
		delivered=$(sed -n 's/.*the filter delivered \([0-9]*\),.*/\1/p' "$log")
		echo "dropped $dropped (expected 201), delivered $delivered (expected 10)"
		[ "$dropped" = 201 ] && [ "$delivered" = 10 ]
	}
	run fanotify-subtree/only-the-tree t_subtree

	umount "$w"
	rm -rf "$w" "$log"
}

fs_suite
