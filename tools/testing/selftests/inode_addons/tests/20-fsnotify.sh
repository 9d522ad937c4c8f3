# SPDX-License-Identifier: GPL-2.0
# inotify, fanotify and dnotify keep working with the inode mark connector in
# the add-on container, on tmpfs and on ext4; marks create containers only on
# the inodes they watch, and the containers go when the inodes do.

fsnotify_suite() {
	local fs=$1 dir=$2 n=30 before i out pid rc

	t_inotify_events() {
		out=$dir/inotify.out
		inotifywait -q -m -e create,modify,delete --format '%e %f' "$dir" > "$out" 2>&1 &
		pid=$!
		sleep 1
		echo a > "$dir/ino-f"
		echo b >> "$dir/ino-f"
		rm "$dir/ino-f"
		sleep 1
		kill $pid; wait $pid 2>/dev/null
		cat "$out"
		grep -q '^CREATE ino-f' "$out" && grep -q '^MODIFY ino-f' "$out" &&
			grep -q '^DELETE ino-f' "$out"
	}
	run "fsnotify-$fs/inotify-create-modify-delete" t_inotify_events

	run "fsnotify-$fs/inotify-ignored-when-inode-goes" addons_test ignored "$dir/ign-f"

	run "fsnotify-$fs/fanotify-marks-and-permission" addons_test fanotify "$dir"
	run "fsnotify-$fs/dnotify-create" addons_test dnotify "$dir"

	t_containers_only_on_watched() {
		[ "$variant" = y ] || return 4
		mkdir -p "$dir/w"
		for i in $(seq 100); do : > "$dir/w/f$i"; done
		settle
		before=$(addons_live)
		out=$dir/w.out
		# One inotify instance watching n files (not the directory).
		inotifywait -q -m -e open $(for i in $(seq $n); do echo "$dir/w/f$i"; done) \
			> "$out" 2>&1 &
		pid=$!
		sleep 2
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
