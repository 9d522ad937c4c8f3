// SPDX-License-Identifier: GPL-2.0
/*
 * BPF inode storage created where inode teardown or a failed initialisation
 * must release it: with CONFIG_INODE_ADDONS the storage hangs off the
 * inode's add-on container, and every way an inode dies must free it.
 */
#include "vmlinux.h"
#include <errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} teardown_map SEC(".maps");

__u32 target_dev;	/* kernel dev_t of the test's filesystem */
__u64 created;		/* values created */
__u64 runs;		/* times a program acted */

static __always_inline void create(struct inode *inode)
{
	__u64 *v;

	__sync_fetch_and_add(&runs, 1);
	v = bpf_inode_storage_get(&teardown_map, inode, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		*v = runs;
		__sync_fetch_and_add(&created, 1);
	}
}

/*
 * inode_init_always() fails after the LSM blob was allocated: alloc_inode()
 * frees the inode without __destroy_inode().
 */
SEC("?lsm/inode_alloc_security")
int BPF_PROG(deny_alloc, struct inode *inode)
{
	if (inode->i_sb->s_dev != target_dev)
		return 0;
	create(inode);
	return -ENOMEM;
}

/*
 * Storage on an inode before inode_init_always() has initialised it: a fresh
 * inode's add-on slot is NULL (inode_init_once()), so the container can be
 * created, and the initialisation resets the slot.
 */
SEC("?fentry/inode_init_always_gfp")
int BPF_PROG(before_init, struct super_block *sb, struct inode *inode, gfp_t gfp)
{
	if (sb->s_dev != target_dev)
		return 0;
	create(inode);
	return 0;
}

/* xfs_recycle: storage on every file opened on the test filesystem. */
SEC("?fentry/security_file_open")
int BPF_PROG(on_open, struct file *file)
{
	struct inode *inode = file->f_inode;

	if (!inode || inode->i_sb->s_dev != target_dev)
		return 0;
	create(inode);
	return 0;
}

__u64 recycles;		/* XFS inodes brought back from reclaimable state */

SEC("?tp_btf/xfs_iget_recycle")
int BPF_PROG(on_recycle, struct xfs_inode *ip)
{
	if (ip->i_vnode.i_sb->s_dev == target_dev)
		__sync_fetch_and_add(&recycles, 1);
	return 0;
}
