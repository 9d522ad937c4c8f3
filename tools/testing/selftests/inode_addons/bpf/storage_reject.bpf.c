// SPDX-License-Identifier: GPL-2.0
/*
 * Programs using the kfuncs that the verifier must reject (those using only
 * helpers are in storage_reject_helper.bpf.c, so that they load on a kernel
 * whose kfuncs are missing or named otherwise: libbpf resolves every extern
 * of an object, loaded program or not).  The runner loads them one at a time
 * (bpf_program__set_autoload) with a log buffer and looks for the expected
 * message in the log; the messages are in inode_storage_test.c next to the
 * name of each program, with the verifier.c function they come from.
 * Every program is otherwise valid, so the expected check is the one that
 * fails.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ia_common.h"
#include "ia_bpf.h"
#include "ia_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

__u64 sink;

/*
 * The lookup kfunc on @inode, its value kept: inlined, so the verifier
 * judges @inode exactly as the calling program passes it.
 */
static __always_inline void lookup_sink(struct inode *inode)
{
	struct ia_val *v;

	v = (struct ia_val *)bpf_inode_storage_lookup(&store, inode, 0, sizeof(*v));
	if (v)
		sink = v->magic;
}

/*
 * dentry is a trusted LSM argument and dentry->d_inode is
 * BTF_TYPE_SAFE_TRUSTED_OR_NULL: PTR_TRUSTED | PTR_MAYBE_NULL, here passed
 * to the kfunc without a NULL check.
 */
SEC("lsm/inode_unlink")
int BPF_PROG(reject_null_dentry_inode, struct inode *dir, struct dentry *dentry)
{
	lookup_sink(dentry->d_inode);
	return 0;
}

/* A literal NULL inode. */
SEC("lsm/file_open")
int BPF_PROG(reject_null_literal, struct file *file)
{
	sink = bpf_inode_storage_remove(&store, NULL);
	return 0;
}

/*
 * fentry arguments are not trusted, so file->f_inode is a plain
 * PTR_TO_BTF_ID (the "old compat" walk), neither trusted nor MEM_RCU: a
 * KF_RCU kfunc must refuse it.  The helpers take it (storage_helpers.bpf.c).
 */
SEC("fentry/security_file_open")
int BPF_PROG(reject_untrusted_fentry, struct file *file)
{
	lookup_sink(file->f_inode);
	return 0;
}

/*
 * From a trusted file, f_path.dentry is not an allow-listed field, so the
 * dentry is a plain PTR_TO_BTF_ID and so is the inode walked from it.
 */
SEC("lsm/file_open")
int BPF_PROG(reject_untrusted_walk, struct file *file)
{
	struct inode *inode = file->f_path.dentry->d_inode;

	sink = bpf_inode_addons(inode);
	return 0;
}

/* A pointer read with bpf_probe_read_kernel() is a plain scalar. */
SEC("lsm/file_open")
int BPF_PROG(reject_probe_read, struct file *file)
{
	struct inode *inode = NULL;

	bpf_probe_read_kernel(&inode, sizeof(inode), &file->f_inode);
	sink = bpf_inode_storage_remove(&store, inode);
	return 0;
}

/*
 * Control: the same kfunc call on the trusted file->f_inode of lsm/file_open
 * must load, showing that the rejections above come from the argument.
 */
SEC("lsm/file_open")
int BPF_PROG(accept_trusted_lsm, struct file *file)
{
	lookup_sink(file->f_inode);
	return 0;
}

/* Sleepable LSM programs may not look up (the kfunc filter refuses it)... */
SEC("lsm.s/file_open")
int BPF_PROG(reject_sleepable_lsm_lookup, struct file *file)
{
	lookup_sink(file->f_inode);
	return 0;
}

/* ... but may remove (control). */
SEC("lsm.s/file_open")
int BPF_PROG(accept_sleepable_lsm_remove, struct file *file)
{
	sink = bpf_inode_storage_remove(&store, file->f_inode);
	return 0;
}
