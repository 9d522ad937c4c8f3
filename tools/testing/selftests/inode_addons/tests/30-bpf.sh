# SPDX-License-Identifier: GPL-2.0
# BPF inode storage in the add-on container, from tracing and LSM programs:
# the runner and its programs are built on the host (bpf/build.sh).
BPF_SELFTESTS_DIR=${GUEST_BIN:+$(dirname "$GUEST_BIN")/selftests-bpf}
export BPF_SELFTESTS_DIR
. "$here/bpf/run_guest_bpf.sh"
