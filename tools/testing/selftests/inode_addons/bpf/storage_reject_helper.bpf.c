// SPDX-License-Identifier: GPL-2.0
/*
 * Programs using only the helpers that the verifier must reject; see
 * storage_reject.bpf.c for those using the kfuncs.  The inode argument
 * does not matter for the rejections here: NULL, which the helpers accept.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ia_common.h"
#include "ia_bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct ia_val);
} arr SEC(".maps");

__u64 sink;

/* An array map where bpf_inode_storage_get() wants an inode storage map. */
SEC("fentry/security_file_open")
int BPF_PROG(reject_wrong_map, struct file *file)
{
	struct ia_val *v;

	v = bpf_inode_storage_get(&arr, file->f_inode, NULL, 0);
	if (v)
		sink = v->magic;
	return 0;
}

/*
 * Sleepable tracing programs may not use the helpers
 * (bpf_inode_storage_tracing_allowed()).  bpf_fentry_test1 is a sleepable
 * fentry target (KF_SLEEPABLE in net/bpf/test_run.c's modify_return set).
 */
SEC("fentry.s/bpf_fentry_test1")
int BPF_PROG(reject_sleepable_tracing, int a)
{
	if (bpf_inode_storage_get(&store, NULL, NULL, 0))
		sink = 1;
	return 0;
}

/* Nor tracing programs attached to the storage code itself. */
SEC("fentry/bpf_local_storage_update")
int BPF_PROG(reject_storage_code)
{
	if (bpf_inode_storage_get(&store, NULL, NULL, 0))
		sink = 1;
	return 0;
}
