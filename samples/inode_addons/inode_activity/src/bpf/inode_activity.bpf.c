// SPDX-License-Identifier: GPL-2.0
/*
 * Per-inode file activity kept in BPF inode storage, from tracing programs
 * (no BPF LSM needed):
 *
 *   fentry/security_file_open        counts an open
 *   fentry/security_file_permission  makes sure the inode has a value
 *                                    (files opened before the tool started)
 *   fexit/vfs_read, fexit/vfs_write  count calls and bytes
 *
 * The value lives as long as the inode: when the inode is evicted, its
 * storage goes with it, and when the tool exits the map and every value in
 * it are freed (unless the map is pinned, see below).  Nothing to clean
 * up, no table to size.
 *
 * Userspace cannot list an inode storage map (no get_next_key, and 7.3.4
 * has no BPF iterator for it), so the first time an inode gets a value, the
 * program sends its identity and path through a ring buffer; the tool then
 * looks the value up by opening that path.  bpf_d_path() is only allowed in
 * a few functions, security_file_open and security_file_permission among
 * them, which is why the value is created there.
 *
 * The map may be pinned in bpffs (inode-activity --pin PATH): the values
 * then outlive the tool, and a new run finds them for the inodes still
 * cached.  Values of inodes evicted in between went with their inodes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "inode_activity.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inode_activity);
} activity SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} new_inodes SEC(".maps");

/* The tool's own process, not traced. */
const volatile __u32 self_tgid;
/*
 * Nonzero, different for every run of the tool.  With a pinned map, values
 * outlive the run that announced them: a value announced by another run is
 * announced again, so that this run learns its path.
 */
const volatile __u32 run_id;

__u64 announce_drops;		/* new_inode events the ring buffer had no room for */
__u64 storage_failures;		/* no value could be had (allocation failure) */

#define IA_S_IFMT	00170000
#define IA_S_IFREG	0100000

static __always_inline bool tracked(struct inode *inode)
{
	if (!inode || (inode->i_mode & IA_S_IFMT) != IA_S_IFREG)
		return false;
	return (bpf_get_current_pid_tgid() >> 32) != self_tgid;
}

static __always_inline void note_task(struct inode_activity *a)
{
	a->last_ns = bpf_ktime_get_ns();
	a->last_pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(a->last_comm, sizeof(a->last_comm));
}

/*
 * The value of @file's inode, created if need be, and announced to
 * userspace the first time.  Only for the hooks where bpf_d_path() works.
 */
static __always_inline struct inode_activity *get_and_announce(struct file *file)
{
	struct inode *inode = file->f_inode;
	struct inode_activity *a;
	struct new_inode_event *e;
	__u32 seen;

	if (!tracked(inode))
		return NULL;
	a = bpf_inode_storage_get(&activity, inode, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!a)	/* another CPU published the first value meanwhile */
		a = bpf_inode_storage_get(&activity, inode, NULL, 0);
	if (!a) {
		__sync_fetch_and_add(&storage_failures, 1);
		return NULL;
	}
	seen = a->announced;
	if (seen == run_id || __sync_val_compare_and_swap(&a->announced, seen, run_id) != seen)
		return a;

	e = bpf_ringbuf_reserve(&new_inodes, sizeof(*e), 0);
	if (!e) {
		a->announced = seen;	/* try again next time */
		__sync_fetch_and_add(&announce_drops, 1);
		return a;
	}
	e->ino = inode->i_ino;
	e->dev = inode->i_sb->s_dev;
	e->pad = 0;
	if (bpf_d_path((struct path *)&file->f_path, e->path, sizeof(e->path)) < 0)
		e->path[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return a;
}

/* The value of @file's inode if it has one: for the read/write hooks. */
static __always_inline struct inode_activity *get_existing(struct file *file)
{
	struct inode *inode = file->f_inode;

	if (!tracked(inode))
		return NULL;
	return bpf_inode_storage_get(&activity, inode, NULL, 0);
}

SEC("fentry/security_file_open")
int BPF_PROG(count_open, struct file *file)
{
	struct inode_activity *a = get_and_announce(file);

	if (a) {
		__sync_fetch_and_add(&a->opens, 1);
		note_task(a);
	}
	return 0;
}

/* rw_verify_area() calls it before every vfs_read()/vfs_write(). */
SEC("fentry/security_file_permission")
int BPF_PROG(ensure_value, struct file *file, int mask)
{
	get_and_announce(file);
	return 0;
}

/* Counts a finished read or write of @ret bytes on an inode that has a value. */
static __always_inline void count_io(struct file *file, ssize_t ret, bool write)
{
	struct inode_activity *a;

	if (ret < 0)
		return;
	a = get_existing(file);
	if (!a)
		return;
	if (write) {
		__sync_fetch_and_add(&a->writes, 1);
		__sync_fetch_and_add(&a->write_bytes, ret);
	} else {
		__sync_fetch_and_add(&a->reads, 1);
		__sync_fetch_and_add(&a->read_bytes, ret);
	}
	note_task(a);
}

SEC("fexit/vfs_read")
int BPF_PROG(count_read, struct file *file, char *buf, size_t count, loff_t *pos,
	     ssize_t ret)
{
	count_io(file, ret, false);
	return 0;
}

SEC("fexit/vfs_write")
int BPF_PROG(count_write, struct file *file, const char *buf, size_t count, loff_t *pos,
	     ssize_t ret)
{
	count_io(file, ret, true);
	return 0;
}
