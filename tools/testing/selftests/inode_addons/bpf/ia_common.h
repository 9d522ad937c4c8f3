/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the BPF programs (which see the kernel's types through
 * vmlinux.h) and by the runner (which sees <linux/types.h>): only __u32 and
 * __u64 are used, both exist on either side.
 *
 * The kernel's own enum inode_addons_bits will appear in a vmlinux.h made
 * from a kernel that has it, so the bits are mirrored here under other
 * names (IA_BIT_*) to never clash with it.
 */
#ifndef IA_COMMON_H
#define IA_COMMON_H

/* enum inode_addons_bits, as returned by the bpf_inode_addons() kfunc */
#define IA_BIT_CONTAINER	1u
#define IA_BIT_FLCTX		2u
#define IA_BIT_FSNOTIFY		4u
#define IA_BIT_BPF_STORAGE	8u

/* BPF_LOCAL_STORAGE_GET_F_CREATE, from the UAPI */
#define IA_F_CREATE		1ull

/* Which program: index into the per-program arrays below and in the value. */
enum ia_prog {
	IA_P_FENTRY,	/* helpers, fentry/security_file_open */
	IA_P_FEXIT,	/* helpers, fexit/security_file_open */
	IA_P_LSM,	/* helpers, lsm/file_open */
	IA_P_TP,	/* helpers, tp_btf/flock_lock_inode */
	IA_P_KF_LSM,	/* kfuncs,  lsm/file_open */
	IA_P_KF_TP,	/* kfuncs,  tp_btf/flock_lock_inode */
	IA_P_LSM_S,	/* helpers, lsm.s/file_open (sleepable) */
	IA_NPROG,
};

/* What a program does when it sees the target inode. */
enum ia_mode {
	IA_OFF,		/* nothing */
	IA_CREATE,	/* get(F_CREATE), then ++cnt[prog] */
	IA_DELETE,	/* delete/remove, return value into del_ret[prog] */
	IA_WRITE,	/* get(F_CREATE), then magic = magic_in */
	IA_READ,	/* get(0), then magic_seen[prog] = magic */
	IA_COUNT,	/* get(F_CREATE) (retry with get(0)), atomic ++opens */
	IA_BADMAP,	/* kfuncs on maps they must refuse at run time, into bad[] */
};

/* bad[] of IA_BADMAP: what each call returned. */
enum ia_bad {
	IA_BAD_ARRAY_LOOKUP,	/* lookup(array map) != NULL: want 0 */
	IA_BAD_ARRAY_REMOVE,	/* remove(array map): want -EINVAL */
	IA_BAD_SMALL_LOOKUP_BIG,/* lookup(8-byte value, 72 bytes) != NULL: want 0 */
	IA_BAD_SMALL_LOOKUP_FIT,/* lookup(8-byte value, 8 bytes) != NULL: want 1 */
	IA_BAD_SMALL_REMOVE,	/* remove(that value): want 0 */
	IA_BAD_LOCKED_LOOKUP,	/* lookup(value with a bpf_spin_lock) != NULL: want 0 */
	IA_BAD_LOCKED_REMOVE,	/* remove(there): want -ENOENT, nothing was created */
	IA_NBAD,
};

/* The value kept per inode. */
struct ia_val {
	__u64 cnt[IA_NPROG];
	__u64 magic;
	__u64 opens;
	__u32 writer;	/* the ia_prog that last wrote magic, + 1 */
	__u32 pad;
};

#endif /* IA_COMMON_H */
