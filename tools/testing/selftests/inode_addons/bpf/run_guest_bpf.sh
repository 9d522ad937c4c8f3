#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inode_storage_test in the guest and turns its lines into the
# "GUEST: ok|not ok|skip NAME" lines that workbench/check.py counts.
#
# Either sourced by run_guest.sh (e.g. from a tests/NN-bpf.sh that says
# '. "$here/bpf/run_guest_bpf.sh"'), which provides ok/nok/skip, or run on
# its own.  The runner is looked up in $BPF_SELFTESTS_DIR, default
# $BUILD_DIR/selftests-bpf (build.sh's default output), else next to
# $GUEST_BIN (GUEST_BIN/../selftests-bpf).
if ! declare -F nok >/dev/null; then
	GUEST_FAILED=0
	ok()   { echo "GUEST: ok $1"; }
	nok()  { echo "GUEST: not ok $1 - $2"; GUEST_FAILED=1; }
	skip() { echo "GUEST: skip $1 - $2"; }
	_bpf_standalone=1
fi

# t_bpf_inode_storage FS: the runner on a fresh FS (tmpfs, ext4, xfs, btrfs);
# its test names "bpf/NAME" become "bpf-FS/NAME".
t_bpf_inode_storage() {
	local fs=$1 top dir bin line rest name
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../.." && pwd)
	dir=${BPF_SELFTESTS_DIR:-${BUILD_DIR:-$top/build}/selftests-bpf}
	[ -x "$dir/inode_storage_test" ] || [ -z "${GUEST_BIN:-}" ] ||
		dir=$(dirname "$GUEST_BIN")/selftests-bpf
	bin=$dir/inode_storage_test
	if [ ! -x "$bin" ]; then
		nok "bpf-$fs/runner" "no $bin: run tools/testing/selftests/inode_addons/bpf/build.sh on the host"
		return 0
	fi
	local failed=0 status
	while IFS= read -r line; do
		case $line in
		"ok "*)		name=${line#ok }; ok "bpf-$fs/${name#bpf/}" ;;
		"not ok "*)	rest=${line#not ok }; name=${rest%% - *}
				nok "bpf-$fs/${name#bpf/}" "${rest#* - }"; failed=1 ;;
		"skip "*)	rest=${line#skip }; name=${rest%% - *}
				skip "bpf-$fs/${name#bpf/}" "${rest#* - }" ;;
		"runner-exit-status "*)
				status=${line#runner-exit-status }
				# A crash or an early exit that printed no "not ok" line.
				if [ "$status" != 0 ] && [ $failed = 0 ]; then
					nok "bpf-$fs/runner" "inode_storage_test exited $status"
				fi ;;
		*)		echo "  [bpf-$fs] $line" ;;
		esac
	done < <(IA_BPF_FS=$fs "$bin" 2>&1; echo "runner-exit-status $?")
}

for _bpf_fs in ${TEST_FILESYSTEMS:-tmpfs ext4 xfs btrfs}; do
	t_bpf_inode_storage "$_bpf_fs"
done
if [ -n "${_bpf_standalone:-}" ]; then
	exit $GUEST_FAILED
fi
