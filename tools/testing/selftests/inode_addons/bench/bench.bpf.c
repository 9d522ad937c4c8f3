// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the cost of finding per-inode state from a BPF program.
 *
 * The runner arms one program, then makes the syscall that triggers it
 * (ioctl(fd, BENCH_IOCTL)); the program runs the armed mode once on the
 * file's inode and disarms.  A timed mode runs BENCH_LOOP identical calls
 * between two bpf_ktime_get_ns(); the runner subtracts the B_EMPTY loop of
 * the same program and divides by BENCH_LOOP.
 *
 *   b_trace  fentry/security_file_ioctl  inode storage through the helper,
 *            as a tracing program (needs CONFIG_INODE_ADDONS)
 *   b_base   fentry/security_file_ioctl  task storage and hash maps keyed by
 *            inode pointer: what tracing programs use today
 *   b_lsm    lsm/file_ioctl              inode storage through the helper,
 *            as a BPF LSM program: today's only way (needs lsm=bpf)
 *   b_open_trace / b_open_lsm            memory at scale: storage on every
 *            file opened on one filesystem
 *   b_race   fentry/security_file_ioctl  concurrent creation: the runner's
 *            threads make ioctl(BENCH_RACE_IOCTL) on the same fresh files at
 *            once, each creating the file's storage (needs
 *            CONFIG_INODE_ADDONS)
 *
 * Each program loads only where the kernel accepts it; the runner says
 * which did not and why.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bench_common.h"
#include "bench_bpf.h"

char LICENSE[] SEC("license") = "GPL";

INODE_STORAGE_MAP(istore);

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bench_val);
} tstore SEC(".maps");

/* Keyed by the inode's address, as tracing tools do today. */
#define HASH_BY_INODE(name, n)				\
	struct {					\
		__uint(type, BPF_MAP_TYPE_HASH);	\
		__uint(max_entries, n);			\
		__type(key, __u64);			\
		__type(value, struct bench_val);	\
	} name SEC(".maps")

HASH_BY_INODE(hash1, BENCH_H1);
HASH_BY_INODE(hash2, BENCH_H2);
HASH_BY_INODE(hash3, BENCH_H3);

/* Memory at scale: a value on every file opened on target_dev. */
INODE_STORAGE_MAP(mstore);

enum { P_NONE, P_TRACE, P_BASE, P_LSM };

/* Set by the runner. */
__u32 target_tgid;
__u32 armed;		/* P_*: the program that acts on the next trigger */
__u32 mode;		/* enum bench_mode */
__u32 scale_dev;	/* memory at scale: s_dev of the filesystem */
__u32 scale_on;

/* Read by the runner. */
__u64 t_loop;		/* loop time of the last timed mode */
__u64 hits;		/* calls of the last loop that found the value */
__s64 err;		/* last set-up or creation failure (0: none) */
__u64 samples[BENCH_SAMPLES];
__u32 nsamples;
__u64 scale_created, scale_failed;

/* One timed call of @call into samples[]; a NULL result counts in err. */
#define TIMED_ONCE(call)						\
	do {								\
		__u64 __t0, __dt;					\
		void *__v;						\
		__u32 __n = nsamples;					\
									\
		__t0 = bpf_ktime_get_ns();				\
		__v = (call);						\
		__dt = bpf_ktime_get_ns() - __t0;			\
		if (!__v)						\
			err = -1;					\
		else if (__n < BENCH_SAMPLES) {				\
			samples[__n] = __dt;				\
			nsamples = __n + 1;				\
		}							\
	} while (0)

/* Acts once per arming, for the runner's own ioctl only. */
static __always_inline bool take(__u32 prog, unsigned int cmd)
{
	if (cmd != BENCH_IOCTL || armed != prog)
		return false;
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid &&
	    mode != B_TASK_CREATE)
		return false;
	armed = P_NONE;
	return true;
}

static __always_inline int inode_modes(struct inode *inode)
{
	switch (mode) {
	case B_EMPTY:
		TIMED_LOOP((struct bench_val *)0);
		break;
	case B_INODE_GET:
		TIMED_LOOP(bpf_inode_storage_get(&istore, inode, 0, 0));
		break;
	case B_INODE_SETUP:
		INODE_SETUP(&istore, inode);
		break;
	case B_INODE_CREATE:
		TIMED_ONCE(bpf_inode_storage_get(&istore, inode, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE));
		break;
	}
	return 0;
}

SEC("fentry/security_file_ioctl")
int BPF_PROG(b_trace, struct file *file, unsigned int cmd, unsigned long arg)
{
	if (!take(P_TRACE, cmd))
		return 0;
	return inode_modes(file->f_inode);
}

SEC("lsm/file_ioctl")
int BPF_PROG(b_lsm, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	if (!take(P_LSM, cmd))
		return ret;
	inode_modes(file->f_inode);
	return ret;
}

SEC("fentry/security_file_ioctl")
int BPF_PROG(b_base, struct file *file, unsigned int cmd, unsigned long arg)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 key = (__u64)file->f_inode;
	struct bench_val one = { .x = 1 };
	long ret;

	if (!take(P_BASE, cmd))
		return 0;

	switch (mode) {
	case B_EMPTY:
		TIMED_LOOP((struct bench_val *)0);
		break;
	case B_TASK_GET:
		TIMED_LOOP(bpf_task_storage_get(&tstore, task, 0, 0));
		break;
	case B_HASH1_GET:
		TIMED_LOOP(bpf_map_lookup_elem(&hash1, &key));
		break;
	case B_HASH2_GET:
		TIMED_LOOP(bpf_map_lookup_elem(&hash2, &key));
		break;
	case B_HASH3_GET:
		TIMED_LOOP(bpf_map_lookup_elem(&hash3, &key));
		break;
	case B_TASK_SETUP:
		if (!bpf_task_storage_get(&tstore, task, &one,
					  BPF_LOCAL_STORAGE_GET_F_CREATE))
			err = -1;
		break;
	case B_HASH_SETUP:
		ret = bpf_map_update_elem(&hash1, &key, &one, BPF_ANY);
		ret = ret ?: bpf_map_update_elem(&hash2, &key, &one, BPF_ANY);
		ret = ret ?: bpf_map_update_elem(&hash3, &key, &one, BPF_ANY);
		err = ret;
		break;
	case B_TASK_CREATE:
		TIMED_ONCE(bpf_task_storage_get(&tstore, task, 0,
						BPF_LOCAL_STORAGE_GET_F_CREATE));
		break;
	}
	return 0;
}

static __always_inline void scale(struct file *file)
{
	struct inode *inode = file->f_inode;

	if (!scale_on || inode->i_sb->s_dev != scale_dev)
		return;
	if (bpf_inode_storage_get(&mstore, inode, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE))
		__sync_fetch_and_add(&scale_created, 1);
	else
		__sync_fetch_and_add(&scale_failed, 1);
}

/*
 * Concurrent creation.  A task that finds no value creates it, timed; the
 * value counts the tasks that got it, and the first of them is the one
 * whose creation made it.  A creation that returns NULL lost the race
 * inside the storage code (another task linked its value first), and finds
 * the winner's afterwards.
 */
INODE_STORAGE_MAP(rstore);

__u32 race_on;
__u64 race_first, race_later, race_found, race_lost, race_failed;
__u64 race_create_ns, race_creates;

SEC("fentry/security_file_ioctl")
int BPF_PROG(b_race, struct file *file, unsigned int cmd)
{
	struct inode *inode = file->f_inode;
	struct bench_val *v;
	__u64 t0, dt;

	if (!race_on || cmd != BENCH_RACE_IOCTL ||
	    (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	v = bpf_inode_storage_get(&rstore, inode, 0, 0);
	if (v) {
		__sync_fetch_and_add(&v->x, 1);
		__sync_fetch_and_add(&race_found, 1);
		return 0;
	}
	t0 = bpf_ktime_get_ns();
	v = bpf_inode_storage_get(&rstore, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	dt = bpf_ktime_get_ns() - t0;
	__sync_fetch_and_add(&race_create_ns, dt);
	__sync_fetch_and_add(&race_creates, 1);
	if (!v) {
		v = bpf_inode_storage_get(&rstore, inode, 0, 0);
		if (!v) {
			__sync_fetch_and_add(&race_failed, 1);
			return 0;
		}
		__sync_fetch_and_add(&race_lost, 1);
	}
	if (__sync_fetch_and_add(&v->x, 1) == 0)
		__sync_fetch_and_add(&race_first, 1);
	else
		__sync_fetch_and_add(&race_later, 1);
	return 0;
}

SEC("fentry/security_file_open")
int BPF_PROG(b_open_trace, struct file *file)
{
	scale(file);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(b_open_lsm, struct file *file, int ret)
{
	scale(file);
	return ret;
}
