/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF_MAP_TYPE_INODE_STORAGE, see kernel/bpf/bpf_inode_storage.c and
 * Documentation/bpf/map_inode_storage.rst.
 *
 * CONFIG_BPF_INODE_STORAGE: the map type exists.  The storage lives in the
 * inode's add-on container with CONFIG_INODE_ADDONS, and then LSM and tracing
 * programs can use it; otherwise it lives in the BPF LSM's inode security
 * blob and only BPF LSM programs can.
 */
#ifndef _LINUX_BPF_INODE_STORAGE_H
#define _LINUX_BPF_INODE_STORAGE_H

#include <linux/types.h>

struct bpf_func_proto;
struct bpf_map;
struct bpf_prog;
struct inode;

#ifdef CONFIG_BPF_INODE_STORAGE

extern const struct bpf_func_proto bpf_inode_storage_get_proto;
extern const struct bpf_func_proto bpf_inode_storage_get_sleepable_proto;
extern const struct bpf_func_proto bpf_inode_storage_delete_proto;

#ifndef CONFIG_INODE_ADDONS
/*
 * Destroys the BPF storage in an inode's security blob, from the blob's RCU
 * callback: the BPF LSM's inode_free_security_rcu hook.  With
 * CONFIG_INODE_ADDONS the storage is destroyed with the add-on container
 * instead, see bpf_inode_storage_destroy().
 */
void bpf_inode_storage_free_rcu(void *inode_security);
#endif

/*
 * The helpers' implementation, also used by the kfuncs of
 * kernel/bpf/bpf_inode_addons.c.  Callable from any context a BPF program
 * runs in; the caller keeps @inode's memory valid.  __bpf_inode_storage_get()
 * must be called under rcu_read_lock() (as non-sleepable programs run).
 */
void *__bpf_inode_storage_get(struct bpf_map *map, struct inode *inode,
			      void *value, u64 flags);
int __bpf_inode_storage_delete(struct bpf_map *map, struct inode *inode);

#ifdef CONFIG_INODE_ADDONS
/* For BPF_PROG_TYPE_TRACING, in kernel/trace/bpf_trace.c. */
extern const struct bpf_func_proto bpf_inode_storage_get_tracing_proto;
extern const struct bpf_func_proto bpf_inode_storage_delete_tracing_proto;

bool bpf_inode_storage_tracing_allowed(const struct bpf_prog *prog);
#endif /* CONFIG_INODE_ADDONS */

#endif /* CONFIG_BPF_INODE_STORAGE */

#endif /* _LINUX_BPF_INODE_STORAGE_H */
