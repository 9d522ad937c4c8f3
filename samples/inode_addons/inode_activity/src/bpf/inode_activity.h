/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by inode_activity.bpf.c and, as #[repr(C)] mirrors, src/main.rs:
 * keep the two in step.
 */
#ifndef INODE_ACTIVITY_H
#define INODE_ACTIVITY_H

#define IA_COMM_LEN	16
#define IA_PATH_LEN	256

/* Kept per inode in BPF inode storage (the map "activity"). */
struct inode_activity {
	__u64 opens;		/* security_file_open() */
	__u64 reads;		/* vfs_read() calls that did not fail */
	__u64 writes;		/* vfs_write() calls that did not fail */
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 last_ns;		/* bpf_ktime_get_ns() of the last event */
	__u32 last_pid;		/* thread group of the last event */
	__u32 announced;	/* run_id of the run a new_inode event went to */
	char last_comm[IA_COMM_LEN];
};

/* Sent once per inode through the ring buffer "new_inodes". */
struct new_inode_event {
	__u64 ino;
	__u32 dev;		/* kernel dev_t: MAJOR << 20 | MINOR */
	__u32 pad;
	char path[IA_PATH_LEN];	/* bpf_d_path() when first seen, "" if it failed */
};

#endif /* INODE_ACTIVITY_H */
