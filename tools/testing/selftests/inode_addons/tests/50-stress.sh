# SPDX-License-Identifier: GPL-2.0
# The stress run (stress/stress.c) on tmpfs, ext4, XFS and btrfs at once,
# for STRESS_SECS seconds (skipped when unset): no kernel report (judged by
# the host from the console), the driver's workers all ran without an
# unexpected error, and the live containers back at their baseline once the
# filesystems are unmounted.
t_stress() {
	local secs=${STRESS_SECS:-} bin base fs dirs=() before after rc
	[ -n "$secs" ] || { echo "STRESS_SECS not set"; return 4; }
	bin=${STRESS_BIN:-$(dirname "$GUEST_BIN")/stress/stress}
	[ -x "$bin" ] || { echo "no $bin"; return 1; }
	base=$(mktemp -d /tmp/stress.XXXXXX)
	[ -r "$STATS" ] && { settle; before=$(addons_live); }
	for fs in ${TEST_FILESYSTEMS:-tmpfs ext4 xfs btrfs}; do
		mkdir -p "$base/$fs"
		case $fs in
		tmpfs)	mount -t tmpfs stress "$base/tmpfs" ;;
		ext4)	truncate -s 320M "$base/ext4.img" && mkfs.ext4 -q -F "$base/ext4.img" &&
			mount -o loop "$base/ext4.img" "$base/ext4" ;;
		*)	truncate -s 320M "$base/$fs.img" && mkfs.$fs -q -f "$base/$fs.img" >/dev/null &&
			mount -o loop "$base/$fs.img" "$base/$fs" ;;
		esac || { echo "cannot mount $fs"; return 1; }
		dirs+=("$base/$fs")
	done
	"$bin" "$secs" "${dirs[@]}"
	rc=$?
	for fs in "${dirs[@]}"; do umount "$fs"; done
	rm -rf "$base"
	if [ -r "$STATS" ]; then
		settle
		live_delta_within "$before" -2 2 "stress, after unmount" || rc=1
	fi
	return $rc
}
run stress/all-filesystems t_stress
