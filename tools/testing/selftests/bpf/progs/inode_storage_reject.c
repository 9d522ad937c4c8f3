// SPDX-License-Identifier: GPL-2.0
/*
 * Uses of BPF inode-local storage that the verifier must refuse, each
 * otherwise valid so that the check named is the one that fails, and
 * controls that must load.  Run by prog_tests/inode_storage_reject.c with
 * RUN_TESTS() on kernels with the CONFIG_INODE_ADDONS kfuncs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf_misc.h"

char _license[] SEC("license") = "GPL";

/* As the kernel declares them; see progs/inode_storage_tracing.c. */
extern u8 *bpf_inode_storage_lookup(void *map__const_map, struct inode *inode, u64 flags__k,
				    const u32 rdwr_buf_size) __weak __ksym;
extern int bpf_inode_storage_remove(void *map__const_map, struct inode *inode) __weak __ksym;
extern u32 bpf_inode_addons(struct inode *inode) __weak __ksym;

struct val {
	__u64 magic;
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct val);
} store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct val);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} small SEC(".maps");

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

__u64 sink;
__u64 flags_in;

/* The lookup kfunc on @inode, inlined: the verifier sees the caller's pointer. */
static __always_inline void lookup_sink(struct inode *inode)
{
	struct val *v;

	v = (struct val *)bpf_inode_storage_lookup(&store, inode, 0, sizeof(*v));
	if (v)
		sink = v->magic;
}

/*
 * dentry->d_inode of a trusted dentry is trusted or NULL: the kfunc needs
 * a NULL check first.
 */
SEC("lsm/inode_unlink")
__failure __msg("Possibly NULL pointer passed to trusted R2")
int BPF_PROG(reject_null_inode_kfunc, struct inode *dir, struct dentry *dentry)
{
	lookup_sink(dentry->d_inode);
	return 0;
}

/* A literal NULL inode. */
SEC("lsm/file_open")
__failure __msg("Possibly NULL pointer passed to trusted R2")
int BPF_PROG(reject_null_literal_kfunc, struct file *file)
{
	sink = bpf_inode_storage_remove(&store, NULL);
	return 0;
}

/*
 * fentry arguments are not trusted, so neither is file->f_inode: KF_RCU
 * kfuncs refuse it (the helpers take it).
 */
SEC("fentry/security_file_open")
__failure __msg("R2 must be a rcu pointer")
int BPF_PROG(reject_untrusted_fentry_kfunc, struct file *file)
{
	lookup_sink(file->f_inode);
	return 0;
}

/*
 * file is trusted in lsm/file_open, but f_path.dentry is not a field the
 * verifier knows to keep trust, so the inode walked from it is untrusted.
 */
SEC("lsm/file_open")
__failure __msg("R1 must be a rcu pointer")
int BPF_PROG(reject_untrusted_walk_kfunc, struct file *file)
{
	struct inode *inode = file->f_path.dentry->d_inode;

	sink = bpf_inode_addons(inode);
	return 0;
}

/*
 * A pointer read with bpf_probe_read_kernel() is a plain number (the
 * verifier spells the BTF kind in capitals).
 */
SEC("lsm/file_open")
__failure __msg("R2 is scalar expected STRUCT inode")
__msg("Pass a verifier-tracked pointer to the expected kernel object type")
int BPF_PROG(reject_probe_read_kfunc, struct file *file)
{
	struct inode *inode = NULL;

	bpf_probe_read_kernel(&inode, sizeof(inode), &file->f_inode);
	sink = bpf_inode_storage_remove(&store, inode);
	return 0;
}

/* bpf_inode_storage_get() wants an inode storage map. */
SEC("fentry/security_file_open")
__failure __msg("cannot pass map_type 2 into func bpf_inode_storage_get#145")
int BPF_PROG(reject_wrong_map_helper, struct file *file)
{
	struct val *v;

	v = bpf_inode_storage_get(&arr, file->f_inode, NULL, 0);
	if (v)
		sink = v->magic;
	return 0;
}

/* Sleepable LSM programs may remove, not look up (the kfunc filter). */
SEC("lsm.s/file_open")
__failure __msg("calling kernel function bpf_inode_storage_lookup is not allowed")
int BPF_PROG(reject_sleepable_lsm_lookup, struct file *file)
{
	lookup_sink(file->f_inode);
	return 0;
}

/*
 * Sleepable tracing programs may not use the helpers at all.
 * bpf_fentry_test1 is a function that sleepable fentry programs may attach
 * to (it allows error injection).
 */
SEC("fentry.s/bpf_fentry_test1")
__failure __msg("helper call is not allowed in probe")
int BPF_PROG(reject_sleepable_tracing_helper, int a)
{
	if (bpf_inode_storage_get(&store, NULL, NULL, 0))
		sink = 1;
	return 0;
}

/* Nor tracing programs attached to the storage code itself. */
SEC("fentry/bpf_local_storage_update")
__failure __msg("helper call is not allowed in probe")
int BPF_PROG(reject_storage_code_helper)
{
	if (bpf_inode_storage_get(&store, NULL, NULL, 0))
		sink = 1;
	return 0;
}

/*
 * The kfuncs take their map as a constant, and the verifier checks it, with
 * the size and the flags, at load time (check_inode_storage_kfunc()).  All
 * on tp_btf, which needs no BPF LSM and whose inode argument is trusted.
 */
SEC("tp_btf/flock_lock_inode")
__failure __msg("bpf_inode_storage_lookup() needs a map of type inode_storage, map 'arr'")
int BPF_PROG(reject_kfunc_lookup_array_map, struct inode *inode)
{
	sink = !!bpf_inode_storage_lookup(&arr, inode, 0, sizeof(struct val));
	return 0;
}

SEC("tp_btf/flock_lock_inode")
__failure __msg("bpf_inode_storage_remove() needs a map of type inode_storage, map 'arr'")
int BPF_PROG(reject_kfunc_remove_array_map, struct inode *inode)
{
	sink = bpf_inode_storage_remove(&arr, inode);
	return 0;
}

/* More bytes than the value holds. */
SEC("tp_btf/flock_lock_inode")
__failure __msg("bpf_inode_storage_lookup() rdwr_buf_size 8 exceeds the value size 4")
int BPF_PROG(reject_kfunc_lookup_too_big, struct inode *inode)
{
	sink = !!bpf_inode_storage_lookup(&small, inode, 0, sizeof(__u64));
	return 0;
}

/* Plain memory over a bpf_spin_lock would let the program overwrite it. */
SEC("tp_btf/flock_lock_inode")
__failure __msg("returns plain memory, but the value of map 'locked' has special fields")
int BPF_PROG(reject_kfunc_lookup_special_fields, struct inode *inode)
{
	sink = !!bpf_inode_storage_lookup(&locked, inode, 0, sizeof(__u64));
	return 0;
}

SEC("tp_btf/flock_lock_inode")
__failure __msg("bpf_inode_storage_lookup() flags 0x2: only BPF_LOCAL_STORAGE_GET_F_CREATE")
int BPF_PROG(reject_kfunc_lookup_unknown_flags, struct inode *inode)
{
	sink = !!bpf_inode_storage_lookup(&store, inode, 2, sizeof(struct val));
	return 0;
}

/* The flags must be known at load time. */
SEC("tp_btf/flock_lock_inode")
__failure __msg("R3 must be a known constant")
int BPF_PROG(reject_kfunc_lookup_variable_flags, struct inode *inode)
{
	sink = !!bpf_inode_storage_lookup(&store, inode, flags_in, sizeof(struct val));
	return 0;
}

/* Control: a lookup of exactly the value size, with F_CREATE, and a remove. */
SEC("tp_btf/flock_lock_inode")
__success
int BPF_PROG(accept_kfunc_lookup_value_size_control, struct inode *inode)
{
	__u32 *v;

	v = (__u32 *)bpf_inode_storage_lookup(&small, inode, BPF_LOCAL_STORAGE_GET_F_CREATE,
					      sizeof(*v));
	if (v)
		sink = *v;
	sink += bpf_inode_storage_remove(&small, inode);
	return 0;
}

/* Control: the same lookup on lsm/file_open's trusted file->f_inode. */
SEC("lsm/file_open")
__success
int BPF_PROG(accept_trusted_kfunc_control, struct file *file)
{
	lookup_sink(file->f_inode);
	return 0;
}

/* Control: sleepable LSM programs may remove. */
SEC("lsm.s/file_open")
__success
int BPF_PROG(accept_sleepable_lsm_remove_control, struct file *file)
{
	sink = bpf_inode_storage_remove(&store, file->f_inode);
	return 0;
}
