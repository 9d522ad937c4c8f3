/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by src/bpf/fanotify_subtree.bpf.c and src/main.rs (mirrored). */
#ifndef FANOTIFY_SUBTREE_H
#define FANOTIFY_SUBTREE_H

/* uapi/linux/fanotify.h, which vmlinux.h does not carry. */
#define SUBTREE_FAN_MOVED_FROM	0x00000040
#define SUBTREE_FAN_MOVED_TO	0x00000080
#define SUBTREE_FAN_CREATE	0x00000100
#define SUBTREE_FAN_DELETE	0x00000200
#define SUBTREE_FAN_RENAME	0x10000000
#define SUBTREE_DIRENT_EVENTS	(SUBTREE_FAN_CREATE | SUBTREE_FAN_DELETE | \
				 SUBTREE_FAN_MOVED_FROM | SUBTREE_FAN_MOVED_TO | \
				 SUBTREE_FAN_RENAME)

/* The value of a tagged inode. */
struct subtree_tag {
	__u32 depth;		/* 0 for a directory the tool tagged */
};

/* What the filter did, since it was loaded. */
struct subtree_counts {
	__u64 delivered;	/* events let through to the group */
	__u64 dropped;		/* events dropped before they were queued */
	__u64 tagged;		/* entries that took their directory's tag */
	__u64 untagged;		/* entries that lost it, moved out */
	__u64 tag_failures;	/* tags not stored: no memory */
};

#endif
