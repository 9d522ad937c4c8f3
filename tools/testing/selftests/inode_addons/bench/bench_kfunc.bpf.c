// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: inode storage through the kfunc bpf_inode_storage_lookup()
 * and through the helper, from a tp_btf tracing program, whose inode
 * argument is trusted (fentry arguments are not, in 7.3.4, so the kfunc
 * cannot be called there).  Triggered by flock(); see bench.bpf.c for the
 * protocol.  Loads only on a kernel with the kfuncs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bench_common.h"
#include "bench_bpf.h"
#include "ia_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

INODE_STORAGE_MAP(kstore);

__u32 target_tgid;
__u32 armed;
__u32 mode;

__u64 t_loop;
__u64 hits;
__s64 err;

SEC("tp_btf/flock_lock_inode")
int BPF_PROG(b_kfunc, struct inode *inode, struct file_lock *fl, int ret)
{
	if (!armed || (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	armed = 0;

	switch (mode) {
	case B_EMPTY:
		TIMED_LOOP((struct bench_val *)0);
		break;
	case B_KFUNC_GET:
		TIMED_LOOP(bpf_inode_storage_lookup(&kstore, inode, 0,
						    sizeof(struct bench_val)));
		break;
	case B_INODE_GET:
		TIMED_LOOP(bpf_inode_storage_get(&kstore, inode, 0, 0));
		break;
	case B_INODE_SETUP:
		INODE_SETUP(&kstore, inode);
		break;
	}
	return 0;
}
