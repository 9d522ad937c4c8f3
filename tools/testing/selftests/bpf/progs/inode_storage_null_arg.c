// SPDX-License-Identifier: GPL-2.0
/*
 * A hook argument that the verifier trusts, but that is NULL at run time:
 * inode_init_security_anon's context_inode, NULL when memfd_secret() or
 * userfaultfd() make their inode.  The verifier lets it through to a KF_RCU
 * kfunc without a NULL check; bpf_inode_storage_lookup() must return NULL
 * for it.  Run by prog_tests/inode_storage_null_arg.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* As the kernel declares it; see progs/inode_storage_tracing.c. */
extern u8 *bpf_inode_storage_lookup(void *map__const_map, struct inode *inode, u64 flags__k,
				    const u32 rdwr_buf_size) __weak __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} store SEC(".maps");

__u32 target_tgid;
__u64 hits, got_value;
/*
 * The pointer as a number: a test of it against NULL would be pruned by the
 * verifier, which takes the argument for non-NULL.
 */
__u64 last_ctx = 1;

SEC("lsm/inode_init_security_anon")
int BPF_PROG(null_ctx_lookup, struct inode *inode, const struct qstr *name,
	     const struct inode *context_inode)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	hits++;
	last_ctx = (__u64)context_inode;
	if (bpf_inode_storage_lookup(&store, (struct inode *)context_inode,
				     BPF_LOCAL_STORAGE_GET_F_CREATE, sizeof(__u64)))
		got_value++;
	return 0;
}
