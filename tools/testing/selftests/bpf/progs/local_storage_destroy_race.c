// SPDX-License-Identifier: GPL-2.0
/*
 * Deletes inode storage from inode_permission() in RCU path walk, where the
 * inode is not pinned and may be torn down concurrently, so that
 * bpf_selem_unlink() races with bpf_local_storage_destroy().  Each value
 * holds a reference on the test's task, so that a value whose special
 * fields are never freed shows up in the task's reference count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define MAY_NOT_BLOCK		0x00000080

struct race_value {
	__u64 seq;
	struct task_struct __kptr * owner;
};

struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct race_value);
} race_map SEC(".maps");

__u32 target_dev;	/* kernel dev_t of the test's filesystem */
__u32 owner_pid;	/* the test's task, referenced from every value */
__u64 keep_ino;		/* the inode whose value is kept, not deleted */
int owner_usage;	/* its rcu_users count, which task kptrs hold */

__u64 walks;		/* RCU-walk permission checks on target_dev */
__u64 dying;		/* of which on an inode already being evicted */
__u64 creates;		/* values created */
__u64 deletes;		/* values deleted (0 returned) */

/* An RCU-walk permission check on the test's filesystem: counted. */
static __always_inline bool on_target(struct inode *inode, int mask)
{
	if (!inode || !(mask & MAY_NOT_BLOCK) ||
	    inode->i_sb->s_dev != target_dev)
		return false;
	__sync_fetch_and_add(&walks, 1);
	if (inode->i_state.__state & (I_WILL_FREE | I_FREEING))
		__sync_fetch_and_add(&dying, 1);
	return true;
}

/* Makes @v hold a reference on the test's task. */
static __always_inline void hold_owner(struct race_value *v)
{
	struct task_struct *t;

	t = bpf_task_from_pid(owner_pid);
	if (!t)
		return;
	t = bpf_kptr_xchg(&v->owner, t);
	if (t)
		bpf_task_release(t);
}

static __always_inline void churn(struct inode *inode, int mask)
{
	struct race_value *v;

	if (!on_target(inode, mask))
		return;
	v = bpf_inode_storage_get(&race_map, inode, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v) {
		__sync_fetch_and_add(&creates, 1);
		v->seq = walks;
		hold_owner(v);
	}
	if (inode->i_ino == keep_ino)
		return;
	if (!bpf_inode_storage_delete(&race_map, inode))
		__sync_fetch_and_add(&deletes, 1);
}

SEC("lsm/inode_permission")
int BPF_PROG(lsm_permission, struct inode *inode, int mask)
{
	churn(inode, mask);
	return 0;
}

/* Only where tracing programs may use inode storage (CONFIG_INODE_ADDONS). */
SEC("?fentry/security_inode_permission")
int BPF_PROG(fentry_permission, struct inode *inode, int mask)
{
	churn(inode, mask);
	return 0;
}

SEC("syscall")
int read_owner_usage(void *ctx)
{
	struct task_struct *t;

	t = bpf_task_from_pid(owner_pid);
	if (!t)
		return 1;
	owner_usage = t->rcu_users.refs.counter;
	bpf_task_release(t);
	return 0;
}

__u64 delays;		/* publications held up by hold_publication */

static long spin(__u64 i, void *ctx)
{
	return 0;
}

/*
 * With CONFIG_INODE_ADDONS and kmemleak: holds up the CPU that has just
 * published a container made by a BPF program, before it queues it for
 * kmemleak, so that the rmdir() racing with it retires that container in
 * between.  Uses no storage, so it may attach to the container's code.
 */
SEC("?fentry/inode_addons_kmemleak_track")
int BPF_PROG(hold_publication, void *addons)
{
	bpf_loop(1 << 16, spin, NULL, 0);
	__sync_fetch_and_add(&delays, 1);
	return 0;
}

/*
 * An element linked while bpf_local_storage_destroy() runs.  Each directory
 * gets a value in anchor_map, then one in race_map.  hold_link holds up the
 * creation of the race_map value after its owner passed the "not being
 * evicted" test and before it is linked; hold_destroy holds up the rmdir()
 * thread's destruction of the anchor value (it frees the value's fields
 * after destroy read the list head).  Where destroy can run while a program
 * is in between, the race_map value is linked behind destroy's back and
 * survives, with its task reference, until the map is freed.  Nothing is
 * deleted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} anchor_map SEC(".maps");

__u64 links_held;	/* race_map creations held up by hold_link */
__u64 destroys_held;	/* frees held up by hold_destroy */
int destroy_armed;	/* a creation is (or was just) held up */

static __always_inline void link_late(struct inode *inode, int mask)
{
	struct race_value *v;
	__u64 *a;

	if (!on_target(inode, mask))
		return;
	a = bpf_inode_storage_get(&anchor_map, inode, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!a)
		return;
	v = bpf_inode_storage_get(&race_map, inode, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v || v->owner)
		return;
	__sync_fetch_and_add(&creates, 1);
	hold_owner(v);
}

SEC("?lsm/inode_permission")
int BPF_PROG(lsm_link, struct inode *inode, int mask)
{
	link_late(inode, mask);
	return 0;
}

SEC("?fentry/security_inode_permission")
int BPF_PROG(fentry_link, struct inode *inode, int mask)
{
	link_late(inode, mask);
	return 0;
}

SEC("?fentry/bpf_selem_alloc")
int BPF_PROG(hold_link, struct bpf_local_storage_map *smap)
{
	if ((void *)smap != (void *)&race_map)
		return 0;
	destroy_armed = 1;
	bpf_loop(1 << 16, spin, NULL, 0);
	__sync_fetch_and_add(&links_held, 1);
	return 0;
}

/* Only the test's own thread, which removes the directories. */
SEC("?fentry/bpf_obj_free_fields")
int BPF_PROG(hold_destroy, const struct btf_record *rec, void *obj)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!destroy_armed || id != ((__u64)owner_pid << 32 | owner_pid))
		return 0;
	destroy_armed = 0;
	bpf_loop(1 << 16, spin, NULL, 0);
	__sync_fetch_and_add(&destroys_held, 1);
	return 0;
}
