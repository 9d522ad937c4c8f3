# SPDX-License-Identifier: GPL-2.0
# BPF inode storage in the add-on container, from tracing and LSM programs:
# the runner and its programs are built on the host (bpf/build.sh).
BPF_SELFTESTS_DIR=${GUEST_BIN:+$(dirname "$GUEST_BIN")/selftests-bpf}
export BPF_SELFTESTS_DIR
. "$here/bpf/run_guest_bpf.sh"

# Booted with an lsm= list without bpf (make check's third boot): the BPF
# LSM is really off, so whatever passed above did not need it.
if [ -n "${EXPECT_NO_BPF_LSM:-}" ]; then
	t_bpf_lsm_inactive() {
		local lsms
		# securityfs when built in; else the lsm= list, which is
		# then the active list (this config has no securityfs).
		if [ -r /sys/kernel/security/lsm ]; then
			lsms=$(cat /sys/kernel/security/lsm)
		else
			lsms=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^lsm=//p')
		fi
		echo "active LSMs: $lsms"
		[ -n "$lsms" ] && ! echo "$lsms" | tr ',' '\n' | grep -qx bpf
	}
	run bpf/bpf-lsm-inactive t_bpf_lsm_inactive
fi
