// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the inode_addons stress run: storage created and deleted on
 * the open, permission (RCU path walk), lock and eviction paths of every
 * inode of the filesystems under test, with a referenced kptr (the task
 * that created the value) in each value, so that a value freed without
 * its special fields shows up as a leaked task_struct.
 *
 * Each program acts only on inodes of the devices in "devs" (set by the
 * driver); "on" gates them all.  The LSM programs load only with the BPF
 * LSM active, the tracing ones only with CONFIG_INODE_ADDONS: the driver
 * loads what it can and says which.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define MAY_NOT_BLOCK	0x00000080
#define NDEVS		8

struct stress_val {
	struct task_struct __kptr * creator;
	__u64 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stress_val);
} stress_map SEC(".maps");

struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

__u32 on;
__u32 devs[NDEVS];

/* What the programs did, for the driver's report. */
__u64 created, found, deleted, kptrs, refused;

static __always_inline bool watched(struct inode *inode)
{
	__u32 dev;
	int i;

	if (!on || !inode)
		return false;
	dev = inode->i_sb->s_dev;
	for (i = 0; i < NDEVS; i++)
		if (devs[i] && devs[i] == dev)
			return true;
	return false;
}

static __always_inline void get(struct inode *inode, bool with_kptr)
{
	struct task_struct *t, *old;
	struct stress_val *v;

	v = bpf_inode_storage_get(&stress_map, inode, 0, 0);
	if (v) {
		__sync_fetch_and_add(&found, 1);
	} else {
		v = bpf_inode_storage_get(&stress_map, inode, 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&refused, 1);
			return;
		}
		__sync_fetch_and_add(&created, 1);
	}
	__sync_fetch_and_add(&v->hits, 1);
	if (!with_kptr)
		return;
	t = bpf_task_acquire(bpf_get_current_task_btf());
	if (!t)
		return;
	old = bpf_kptr_xchg(&v->creator, t);
	if (old)
		bpf_task_release(old);
	__sync_fetch_and_add(&kptrs, 1);
}

static __always_inline void del(struct inode *inode)
{
	if (!bpf_inode_storage_delete(&stress_map, inode))
		__sync_fetch_and_add(&deleted, 1);
}

/* Tracing programs: need CONFIG_INODE_ADDONS. */
SEC("?fentry/security_file_open")
int BPF_PROG(t_open, struct file *file)
{
	if (watched(file->f_inode))
		get(file->f_inode, true);
	return 0;
}

SEC("?fentry/security_inode_permission")
int BPF_PROG(t_permission, struct inode *inode, int mask)
{
	/* In RCU walk nobody holds the inode: it may be being evicted. */
	if (watched(inode) && (mask & MAY_NOT_BLOCK)) {
		if (inode->i_ino & 1)
			del(inode);
		else
			get(inode, false);
	}
	return 0;
}

SEC("?tp_btf/flock_lock_inode")
int BPF_PROG(t_flock, struct inode *inode, struct file_lock *fl, int ret)
{
	if (watched(inode))
		get(inode, true);
	return 0;
}

/* Eviction: the inode is being destroyed. */
SEC("?fentry/security_inode_free")
int BPF_PROG(t_free, struct inode *inode)
{
	if (watched(inode)) {
		get(inode, true);	/* refused: I_FREEING */
		del(inode);
	}
	return 0;
}

/* LSM programs: need the BPF LSM. */
SEC("?lsm/inode_free_security")
int BPF_PROG(l_free, struct inode *inode)
{
	if (watched(inode))
		del(inode);
	return 0;
}

SEC("?lsm/inode_permission")
int BPF_PROG(l_permission, struct inode *inode, int mask)
{
	if (watched(inode))
		get(inode, false);
	return 0;
}
