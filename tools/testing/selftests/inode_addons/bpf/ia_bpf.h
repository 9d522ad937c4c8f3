/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every BPF object of these tests shares (BPF side only, after
 * vmlinux.h and ia_common.h; ia_common.h itself is also the runner's).
 */
#ifndef IA_BPF_H
#define IA_BPF_H

/*
 * The inode storage map under test.  The runner hands every object the
 * first object's map (bpf_map__reuse_fd()), which libbpf allows only when
 * the definitions agree: hence one definition.
 */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ia_val);
} store SEC(".maps");

/* Set by the runner: the inodes the programs act on. */
__u32 target_dev;		/* kernel dev_t: MAJOR << 20 | MINOR */
__u64 target_ino;		/* 0: any inode of target_dev */

static __always_inline bool match(struct inode *inode)
{
	if (!inode || !target_dev)
		return false;
	if (inode->i_sb->s_dev != target_dev)
		return false;
	return !target_ino || inode->i_ino == target_ino;
}

#endif /* IA_BPF_H */
