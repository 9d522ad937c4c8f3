// SPDX-License-Identifier: GPL-2.0
/*
 * BPF inode-local storage used from tracing and LSM programs, driven by
 * prog_tests/inode_storage_tracing.c:
 *
 *   h_fentry  fentry/security_file_open   helpers
 *   h_fexit   fexit/security_file_open    helpers
 *   h_lsm     lsm/file_open               helpers
 *   h_lsm_s   lsm.s/file_open             helpers, sleepable
 *   h_tp      tp_btf/flock_lock_inode     helpers
 *   k_lsm     lsm/file_open               kfuncs (trusted file->f_inode)
 *   k_tp      tp_btf/flock_lock_inode     kfuncs (trusted tracepoint argument)
 *   h_null    fentry/security_inode_create  helpers on a NULL inode
 *
 * Every program is left out of the load by default ("?"): each subtest
 * loads the ones it needs, so that a kernel which refuses some of them
 * (CONFIG_INODE_ADDONS=n refuses inode storage in tracing programs and has
 * no kfuncs) still runs the others.  All share one map, "store".
 *
 * A program only acts on the inode selected by target_dev and target_ino
 * (0: every inode of target_dev), and does what mode[its index] says
 * (inode_storage_tracing.h, shared with the user space part).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "inode_storage_tracing.h"

char _license[] SEC("license") = "GPL";

/*
 * The kfuncs of CONFIG_INODE_ADDONS, declared exactly as the kernel (and the
 * vmlinux.h of such a kernel) declares them.  Weak, so that the object still
 * opens on a kernel without them; the programs calling them are then never
 * loaded.
 */
extern u8 *bpf_inode_storage_lookup(void *map__const_map, struct inode *inode, u64 flags__k,
				    const u32 rdwr_buf_size) __weak __ksym;
extern int bpf_inode_storage_remove(void *map__const_map, struct inode *inode) __weak __ksym;
extern u32 bpf_inode_addons(struct inode *inode) __weak __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ist_val);
} store SEC(".maps");

/* Set by user space. */
__u32 target_dev;		/* kernel dev_t: MAJOR << 20 | MINOR */
__u64 target_ino;		/* 0: every inode of target_dev */
__u32 mode[IST_NR_PROGS];
__u64 magic_in;

/* Results. */
__u64 hits[IST_NR_PROGS];	/* times a program acted on the target */
__u64 get_null[IST_NR_PROGS];	/* no value where one was asked for */
__s64 del_ret[IST_NR_PROGS];	/* last delete/remove result */
__u64 magic_seen[IST_NR_PROGS];	/* IST_M_READ: magic found, 0 without a value */
__u32 addons_first[IST_NR_PROGS]; /* kfuncs: bpf_inode_addons() on the first hit */
__u32 addons_after[IST_NR_PROGS]; /* kfuncs: bpf_inode_addons() after acting */
__u64 race_null;		/* IST_M_COUNT: creation lost, found by a lookup */
__u64 lost;			/* IST_M_COUNT: no value at all */

static __always_inline bool is_target(struct inode *inode)
{
	if (!inode || !target_dev)
		return false;
	if (inode->i_sb->s_dev != target_dev)
		return false;
	return !target_ino || inode->i_ino == target_ino;
}

/* The helpers, from any of the programs that may call them. */
static __always_inline void act(const int p, struct inode *inode)
{
	struct ist_val *v;
	__u32 m = mode[p];

	if (m == IST_M_OFF || !is_target(inode))
		return;
	__sync_fetch_and_add(&hits[p], 1);

	switch (m) {
	case IST_M_CREATE:
		v = bpf_inode_storage_get(&store, inode, NULL,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			return;
		}
		__sync_fetch_and_add(&v->cnt[p], 1);
		break;
	case IST_M_DELETE:
		del_ret[p] = bpf_inode_storage_delete(&store, inode);
		break;
	case IST_M_WRITE:
		v = bpf_inode_storage_get(&store, inode, NULL,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			return;
		}
		v->magic = magic_in;
		v->writer = p + 1;
		break;
	case IST_M_READ:
		v = bpf_inode_storage_get(&store, inode, NULL, 0);
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			magic_seen[p] = 0;
			return;
		}
		magic_seen[p] = v->magic;
		break;
	case IST_M_COUNT:
		/*
		 * Of concurrent first creators only one publishes its value;
		 * the others get NULL and must find the winner's.
		 */
		v = bpf_inode_storage_get(&store, inode, NULL,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!v) {
			__sync_fetch_and_add(&race_null, 1);
			v = bpf_inode_storage_get(&store, inode, NULL, 0);
		}
		if (!v) {
			__sync_fetch_and_add(&lost, 1);
			return;
		}
		__sync_fetch_and_add(&v->opens, 1);
		break;
	}
}

SEC("?fentry/security_file_open")
int BPF_PROG(h_fentry, struct file *file)
{
	act(IST_FENTRY, file->f_inode);
	return 0;
}

SEC("?fexit/security_file_open")
int BPF_PROG(h_fexit, struct file *file, int ret)
{
	act(IST_FEXIT, file->f_inode);
	return 0;
}

SEC("?lsm/file_open")
int BPF_PROG(h_lsm, struct file *file)
{
	act(IST_LSM, file->f_inode);
	return 0;
}

/* Sleepable: the helper takes RCU itself around the container. */
SEC("?lsm.s/file_open")
int BPF_PROG(h_lsm_s, struct file *file)
{
	act(IST_LSM_S, file->f_inode);
	return 0;
}

SEC("?tp_btf/flock_lock_inode")
int BPF_PROG(h_tp, struct inode *inode, struct file_lock *fl, int ret)
{
	act(IST_TP, inode);
	return 0;
}

/*
 * The kfuncs, which need a trusted or RCU inode: an LSM hook's file->f_inode
 * or a tp_btf argument.  bpf_inode_storage_lookup() returns plain memory of
 * the size asked for, which the verifier checks against the map at load
 * time (progs/inode_storage_reject.c).
 */
static __always_inline void kact(const int p, struct inode *inode)
{
	struct ist_val *v;
	__u32 m = mode[p];

	if (m == IST_M_OFF || !is_target(inode))
		return;
	if (__sync_fetch_and_add(&hits[p], 1) == 0)
		addons_first[p] = bpf_inode_addons(inode);

	switch (m) {
	case IST_M_CREATE:
		v = (struct ist_val *)bpf_inode_storage_lookup(&store, inode,
							       BPF_LOCAL_STORAGE_GET_F_CREATE,
							       sizeof(*v));
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			break;
		}
		__sync_fetch_and_add(&v->cnt[p], 1);
		break;
	case IST_M_DELETE:
		del_ret[p] = bpf_inode_storage_remove(&store, inode);
		break;
	case IST_M_WRITE:
		v = (struct ist_val *)bpf_inode_storage_lookup(&store, inode,
							       BPF_LOCAL_STORAGE_GET_F_CREATE,
							       sizeof(*v));
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			break;
		}
		v->magic = magic_in;
		v->writer = p + 1;
		break;
	case IST_M_READ:
		v = (struct ist_val *)bpf_inode_storage_lookup(&store, inode, 0, sizeof(*v));
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			magic_seen[p] = 0;
			break;
		}
		magic_seen[p] = v->magic;
		break;
	}
	addons_after[p] = bpf_inode_addons(inode);
}

SEC("?lsm/file_open")
int BPF_PROG(k_lsm, struct file *file)
{
	kact(IST_KF_LSM, file->f_inode);
	return 0;
}

SEC("?tp_btf/flock_lock_inode")
int BPF_PROG(k_tp, struct inode *inode, struct file_lock *fl, int ret)
{
	kact(IST_KF_TP, inode);
	return 0;
}

/*
 * A NULL inode at run time: when security_inode_create() runs, the new
 * dentry is still negative.  The helpers take a possibly-NULL inode and
 * must return NULL (get) and -EINVAL (delete).  Acts only in directory
 * null_dir_ino of target_dev.
 */
__u64 null_dir_ino;
__u64 null_hits;
__u64 null_was_null;		/* dentry->d_inode was NULL */
__u64 null_get_value;		/* get(F_CREATE) returned a value */
__s64 null_del_ret;

SEC("?fentry/security_inode_create")
int BPF_PROG(h_null, struct inode *dir, struct dentry *dentry, umode_t umode)
{
	struct inode *inode;

	if (!null_dir_ino || dir->i_ino != null_dir_ino ||
	    dir->i_sb->s_dev != target_dev)
		return 0;
	inode = dentry->d_inode;
	null_hits++;
	null_was_null = !inode;
	null_get_value = !!bpf_inode_storage_get(&store, inode, NULL,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
	null_del_ret = bpf_inode_storage_delete(&store, inode);
	return 0;
}
