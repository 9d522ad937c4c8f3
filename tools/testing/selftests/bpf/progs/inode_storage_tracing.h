/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by progs/inode_storage_tracing.c and
 * prog_tests/inode_storage_tracing.c: the programs' indices, what they do,
 * and the layout of the value they share.  Include after vmlinux.h or
 * <linux/types.h>.
 */
#ifndef __INODE_STORAGE_TRACING_H
#define __INODE_STORAGE_TRACING_H

/* Index of each program into the result arrays and into ist_val.cnt[]. */
enum {
	IST_FENTRY,
	IST_FEXIT,
	IST_LSM,
	IST_LSM_S,
	IST_TP,
	IST_KF_LSM,
	IST_KF_TP,
	IST_NR_PROGS,
	IST_NULL = IST_NR_PROGS,	/* h_null, not in the value */
	IST_ALL_PROGS,
};

/* What a program does on the target inode. */
enum {
	IST_M_OFF,	/* nothing */
	IST_M_CREATE,	/* get/lookup with F_CREATE, then cnt[prog]++ */
	IST_M_DELETE,	/* delete/remove, result in del_ret[prog] */
	IST_M_WRITE,	/* get/lookup with F_CREATE, then magic = magic_in */
	IST_M_READ,	/* get/lookup without F_CREATE, magic into magic_seen[prog] */
	IST_M_COUNT,	/* get with F_CREATE, get again if that lost, opens++ */
};

struct ist_val {
	__u64 cnt[IST_NR_PROGS];
	__u64 magic;
	__u64 opens;
	__u32 writer;		/* index of the program that wrote magic, + 1 */
	__u32 pad;
};

#endif /* __INODE_STORAGE_TRACING_H */
