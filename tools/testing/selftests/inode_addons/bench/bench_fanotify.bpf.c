// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the fanotify filter of fanotify_bench.c.  Keeps the events of
 * the inodes tagged in inode storage (the runner tags them), drops the
 * others; the same per-event decision as the fanotify-subtree sample, without
 * the tag propagation, which the measured workload (writes to existing
 * files) does not exercise.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} tags SEC(".maps");

__u64 calls;
__u64 dropped;

SEC("struct_ops/filter")
int BPF_PROG(bench_filter, struct fsnotify_group *group, struct inode *inode,
	     struct inode *dir, __u32 mask)
{
	calls++;
	if (inode && bpf_inode_storage_get(&tags, inode, 0, 0))
		return FANOTIFY_FILTER_DELIVER;
	dropped++;
	return FANOTIFY_FILTER_DROP;
}

/* SEC(".struct_ops"): the runner links the distribution's libbpf 1.1. */
SEC(".struct_ops")
struct fanotify_filter_ops bench_fan = {
	.filter = (void *)bench_filter,
	.name = "bench_fan",
};
