# SPDX-License-Identifier: GPL-2.0
# inotify, fanotify and dnotify keep working with the inode mark connector in
# the add-on container; marks create containers only on the inodes they
# watch, and the containers go when the inodes do, on every filesystem.

# inotify_start ERRFILE ARGS...: runs inotifywait -m ARGS in the background,
# its pid in $pid, and returns once it has placed its watches (it says so on
# stderr, ERRFILE).  Output files must not be in a watched directory.
inotify_start() {
	local err=$1
	shift
	: > "$err"	# no earlier run's line for the first poll to find
	inotifywait -m "$@" 2> "$err" &
	pid=$!
	wait_for_match 300 '^Watches established' "$err" "$pid" && return 0
	{
		echo "inotifywait did not place its watches:"
		cat "$err"
	} >&2
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 1
}

fsnotify_suite() {
	local fs=$1 dir=$2 n=30 before i out pid rc

	t_inotify_events() {
		out=/tmp/inotify-$fs.out
		inotify_start "$out.err" -e create,modify,delete --format '%e %f' "$dir" \
			> "$out" || return 1
		echo a > "$dir/ino-f"
		echo b >> "$dir/ino-f"
		rm "$dir/ino-f"
		wait_for_match 300 '^DELETE ino-f' "$out" "$pid"
		rc=$?
		kill $pid; wait $pid 2>/dev/null
		cat "$out"
		[ $rc = 0 ] && grep -q '^CREATE ino-f' "$out" && grep -q '^MODIFY ino-f' "$out"
	}
	# Event delivery is the VFS's, the same on every filesystem, and costs
	# about 25 s of execs under TCG: the first filesystem only.
	first_test_fs "$fs" && run "fsnotify-$fs/inotify-create-modify-delete" t_inotify_events

	run "fsnotify-$fs/inotify-ignored-when-inode-goes" addons_test ignored "$dir/ign-f"

	run "fsnotify-$fs/fanotify-marks-and-permission" addons_test fanotify "$dir"
	run "fsnotify-$fs/dnotify-create" addons_test dnotify "$dir"

	t_containers_only_on_watched() {
		[ "$variant" = y ] || return 4
		mkdir -p "$dir/w"
		for ((i = 1; i <= 100; i++)); do : > "$dir/w/f$i"; done
		settle
		before=$(addons_live)
		out=/tmp/inotify-$fs-w.out
		# One inotify instance watching n files (not the directory).
		local files=()
		for ((i = 1; i <= n; i++)); do files+=("$dir/w/f$i"); done
		inotify_start "$out.err" -e open "${files[@]}" > "$out" || return 1
		live_delta_within "$before" $n $((n + 2)) "inotify watches on $n files"
		rc=$?
		kill $pid; wait $pid 2>/dev/null
		[ $rc = 0 ] || return 1
		rm -rf "$dir/w"
		settle
		live_delta_within "$before" 0 2 "after unlink"
	}
	run "fsnotify-$fs/containers-only-on-watched-inodes" t_containers_only_on_watched
}

with_test_filesystems fsnotify_suite
