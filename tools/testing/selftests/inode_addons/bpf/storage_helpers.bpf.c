// SPDX-License-Identifier: GPL-2.0
/*
 * BPF inode-local storage from tracing programs, through the helpers
 * bpf_inode_storage_get() and bpf_inode_storage_delete():
 *
 *   fentry/security_file_open   the file's inode, at every open
 *   fexit/security_file_open    the same, on the way out
 *   lsm/file_open               the BPF LSM hook called inside it
 *   tp_btf/flock_lock_inode     include/trace/events/filelock.h, at flock(2)
 *   fentry/security_inode_create  a NULL inode at run time (negative dentry)
 *
 * Each program acts only on the inode the runner selects (target_dev and
 * target_ino; target_ino 0 means every inode of target_dev), and does what
 * mode[its index] says.  The runner reads the results from .bss and from the
 * map itself (a lookup keyed by a file descriptor).
 *
 * fentry/fexit arguments are not trusted pointers (btf.c:prog_args_trusted),
 * so file->f_inode is a plain PTR_TO_BTF_ID there: the helpers accept it,
 * the KF_RCU kfuncs do not (see storage_reject.bpf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ia_common.h"
#include "ia_bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the runner. */
__u32 mode[IA_NPROG];
__u64 magic_in;

/* Results. */
__u64 hits[IA_NPROG];		/* times a program acted */
__u64 get_null[IA_NPROG];	/* get() returned NULL where a value was expected */
__s64 del_ret[IA_NPROG];	/* last bpf_inode_storage_delete() result */
__u64 magic_seen[IA_NPROG];	/* IA_READ: the magic found, 0 if no value */
__u64 race_null;		/* IA_COUNT: get(F_CREATE) NULL, retry found it */
__u64 lost;			/* IA_COUNT: no value even after the retry */

static __always_inline int act(const int p, struct inode *inode)
{
	struct ia_val *v;
	__u32 m = mode[p];

	if (m == IA_OFF || !match(inode))
		return 0;
	__sync_fetch_and_add(&hits[p], 1);

	switch (m) {
	case IA_CREATE:
		v = bpf_inode_storage_get(&store, inode, NULL, IA_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			return 0;
		}
		__sync_fetch_and_add(&v->cnt[p], 1);
		break;
	case IA_DELETE:
		del_ret[p] = bpf_inode_storage_delete(&store, inode);
		break;
	case IA_WRITE:
		v = bpf_inode_storage_get(&store, inode, NULL, IA_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			return 0;
		}
		v->magic = magic_in;
		v->writer = p + 1;
		break;
	case IA_READ:
		v = bpf_inode_storage_get(&store, inode, NULL, 0);
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			magic_seen[p] = 0;
			return 0;
		}
		magic_seen[p] = v->magic;
		break;
	case IA_COUNT:
		/*
		 * Concurrent first creators: only one wins the publication
		 * (bpf_local_storage_alloc()'s cmpxchg, or BPF_NOEXIST under
		 * the storage lock), the others get NULL and must look up
		 * the winner's value.
		 */
		v = bpf_inode_storage_get(&store, inode, NULL, IA_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&race_null, 1);
			v = bpf_inode_storage_get(&store, inode, NULL, 0);
		}
		if (!v) {
			__sync_fetch_and_add(&lost, 1);
			return 0;
		}
		__sync_fetch_and_add(&v->opens, 1);
		break;
	}
	return 0;
}

SEC("fentry/security_file_open")
int BPF_PROG(h_fentry, struct file *file)
{
	return act(IA_P_FENTRY, file->f_inode);
}

SEC("fexit/security_file_open")
int BPF_PROG(h_fexit, struct file *file, int ret)
{
	return act(IA_P_FEXIT, file->f_inode);
}

SEC("lsm/file_open")
int BPF_PROG(h_lsm, struct file *file)
{
	act(IA_P_LSM, file->f_inode);
	return 0;	/* never deny */
}

/* Sleepable: the helper takes RCU for the container itself. */
SEC("lsm.s/file_open")
int BPF_PROG(h_lsm_s, struct file *file)
{
	act(IA_P_LSM_S, file->f_inode);
	return 0;	/* never deny */
}

SEC("tp_btf/flock_lock_inode")
int BPF_PROG(h_tp, struct inode *inode, struct file_lock *fl, int ret)
{
	return act(IA_P_TP, inode);
}

/*
 * A NULL inode at run time: at security_inode_create() the new dentry is
 * still negative, dentry->d_inode is NULL.  get() must return NULL and
 * delete() -EINVAL.  Acts only in directory null_dir_ino of target_dev.
 */
__u64 null_dir_ino;
__u64 null_hits;
__u64 null_get_nonnull;
__s64 null_del_ret;

SEC("fentry/security_inode_create")
int BPF_PROG(h_null, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct inode *inode;

	if (!null_dir_ino || !dir || dir->i_ino != null_dir_ino ||
	    dir->i_sb->s_dev != target_dev)
		return 0;
	inode = dentry->d_inode;
	null_hits++;
	null_get_nonnull = !!bpf_inode_storage_get(&store, inode, NULL, IA_F_CREATE);
	null_del_ret = bpf_inode_storage_delete(&store, inode);
	return 0;
}
