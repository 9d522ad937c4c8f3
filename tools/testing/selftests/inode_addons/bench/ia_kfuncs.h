/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inode-storage kfuncs (kernel/bpf/bpf_inode_addons.c), for BPF
 * programs, after vmlinux.h.
 *
 * A kfunc is not in vmlinux.h (bpftool emits types, not functions), so the
 * declarations never clash with a newer vmlinux.h.  libbpf resolves them
 * against the running kernel's BTF at load time and checks that each
 * prototype matches the kernel's kind for kind ('void *' against 'u8 *', or
 * 'struct bpf_map *' against 'void *', is an error), so keep them identical
 * to the kernel's definitions.  They are strong (not __weak): an object that
 * uses them fails to load on a kernel without them, which the benchmark
 * reports.
 *
 * bpf_inode_storage_lookup() returns a pointer to an integer type so that
 * the verifier gives the program rdwr_buf_size bytes of memory (a returned
 * 'void *' is a scalar to it).  build.sh reads the kernel's return type from
 * the vmlinux it builds against and passes -DIA_LOOKUP_RET to match.
 */
#ifndef IA_KFUNCS_H
#define IA_KFUNCS_H

#ifndef IA_LOOKUP_RET
#define IA_LOOKUP_RET __u8 *
#endif

/* KF_RCU | KF_RET_NULL: rdwr_buf_size bytes of the value, or NULL */
extern IA_LOOKUP_RET bpf_inode_storage_lookup(void *map__const_map, struct inode *inode,
					      __u64 flags__k,
					      const __u32 rdwr_buf_size) __ksym;
/* KF_RCU: 0; -ENOENT without a value */
extern int bpf_inode_storage_remove(void *map__const_map, struct inode *inode) __ksym;
/* KF_RCU: IA_BIT_* of the add-ons the inode carries */
extern __u32 bpf_inode_addons(struct inode *inode) __ksym;

#endif /* IA_KFUNCS_H */
