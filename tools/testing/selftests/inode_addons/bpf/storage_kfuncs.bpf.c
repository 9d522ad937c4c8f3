// SPDX-License-Identifier: GPL-2.0
/*
 * BPF inode-local storage through the kfuncs bpf_inode_storage_lookup(),
 * bpf_inode_storage_remove() and bpf_inode_addons(), from the two kinds of
 * program whose inode pointers are trusted in 7.3.4:
 *
 *   lsm/file_open             file is trusted, file->f_inode is trusted
 *                             (BTF_TYPE_SAFE_TRUSTED(struct file))
 *   tp_btf/flock_lock_inode   raw tracepoint arguments are trusted; arg 0,
 *                             the inode, is not in raw_tp_null_args
 *
 * The runner reuses the helpers object's map here (bpf_map__reuse_fd), so
 * both objects see the same values.
 *
 * The map argument of the kfuncs is a 'void *map__map': the verifier takes
 * any map there, and the kfuncs check the map at run time (IA_BADMAP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ia_common.h"
#include "ia_bpf.h"
#include "ia_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

__u32 mode[IA_NPROG];
__u64 magic_in;

/* An array map and an inode storage map with a smaller value, for IA_BADMAP. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct ia_val);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} small SEC(".maps");

/* A value with a special field: the lookup kfunc must refuse the map. */
struct locked_val {
	struct bpf_spin_lock lock;
	__u64 x;
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct locked_val);
} locked SEC(".maps");

__s64 bad[IA_NBAD];		/* IA_BADMAP results, see ia_common.h */

__u64 hits[IA_NPROG];
__u64 get_null[IA_NPROG];
__s64 del_ret[IA_NPROG];
__u64 magic_seen[IA_NPROG];
__u32 addons_first[IA_NPROG];	/* bpf_inode_addons() before the first action */
__u32 addons_after[IA_NPROG];	/* bpf_inode_addons() after the last action */

static __always_inline int kact(const int p, struct inode *inode)
{
	struct ia_val *v;
	__u32 m = mode[p];

	if (m == IA_OFF || !match(inode))
		return 0;
	if (__sync_fetch_and_add(&hits[p], 1) == 0)
		addons_first[p] = bpf_inode_addons(inode);

	switch (m) {
	case IA_CREATE:
		v = (struct ia_val *)bpf_inode_storage_lookup(&store, inode, IA_F_CREATE,
							      sizeof(*v));
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			break;
		}
		v->cnt[p] += 1;
		break;
	case IA_DELETE:
		del_ret[p] = bpf_inode_storage_remove(&store, inode);
		break;
	case IA_WRITE:
		v = (struct ia_val *)bpf_inode_storage_lookup(&store, inode, IA_F_CREATE,
							      sizeof(*v));
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			break;
		}
		v->magic = magic_in;
		v->writer = p + 1;
		break;
	case IA_READ:
		v = (struct ia_val *)bpf_inode_storage_lookup(&store, inode, 0, sizeof(*v));
		if (!v) {
			__sync_fetch_and_add(&get_null[p], 1);
			magic_seen[p] = 0;
			break;
		}
		magic_seen[p] = v->magic;
		break;
	case IA_BADMAP:
		bad[IA_BAD_ARRAY_LOOKUP] =
			!!bpf_inode_storage_lookup(&arr, inode, IA_F_CREATE, sizeof(*v));
		bad[IA_BAD_ARRAY_REMOVE] = bpf_inode_storage_remove(&arr, inode);
		bad[IA_BAD_SMALL_LOOKUP_BIG] =
			!!bpf_inode_storage_lookup(&small, inode, IA_F_CREATE, sizeof(*v));
		bad[IA_BAD_SMALL_LOOKUP_FIT] =
			!!bpf_inode_storage_lookup(&small, inode, IA_F_CREATE, sizeof(__u64));
		bad[IA_BAD_SMALL_REMOVE] = bpf_inode_storage_remove(&small, inode);
		bad[IA_BAD_LOCKED_LOOKUP] =
			!!bpf_inode_storage_lookup(&locked, inode, IA_F_CREATE,
						   sizeof(struct locked_val));
		bad[IA_BAD_LOCKED_REMOVE] = bpf_inode_storage_remove(&locked, inode);
		break;
	}
	addons_after[p] = bpf_inode_addons(inode);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(k_lsm, struct file *file)
{
	kact(IA_P_KF_LSM, file->f_inode);
	return 0;	/* never deny */
}

SEC("tp_btf/flock_lock_inode")
int BPF_PROG(k_tp, struct inode *inode, struct file_lock *fl, int ret)
{
	return kact(IA_P_KF_TP, inode);
}
