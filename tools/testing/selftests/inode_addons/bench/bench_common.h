/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the bench BPF programs and bench_runner.c: only __u32/__u64.
 *
 * Every measurement is taken inside one BPF program run, between two
 * bpf_ktime_get_ns() calls.  make bench boots the guest with QEMU's
 * "-icount shift=0": the guest's clock then advances by exactly 1 ns per
 * emulated instruction, so these "nanoseconds" are instruction counts
 * (including the instructions of interrupts that hit the loop, which the
 * runner filters out by taking the minimum over repetitions).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

/* The ioctl command the programs react to; no file implements it. */
#define BENCH_IOCTL	0xb5ecu
/* The one the concurrent creation program reacts to (bench_runner race). */
#define BENCH_RACE_IOCTL	0xb5edu

/* Calls per timed loop. */
#define BENCH_LOOP	256

/* Samples kept for the creation measurements. */
#define BENCH_SAMPLES	4096

/* Hash maps keyed by inode pointer, by number of entries. */
#define BENCH_H1	1000
#define BENCH_H2	10000
#define BENCH_H3	100000

enum bench_mode {
	B_OFF,
	/* timed loops of BENCH_LOOP calls: t[] = loop time */
	B_EMPTY,	/* the loop alone */
	B_INODE_GET,	/* bpf_inode_storage_get(map, inode, 0, 0) */
	B_KFUNC_GET,	/* bpf_inode_storage_lookup(map, inode, 0, size) */
	B_TASK_GET,	/* bpf_task_storage_get(map, current, 0, 0) */
	B_HASH1_GET,	/* bpf_map_lookup_elem(hash of BENCH_H1, &inode) */
	B_HASH2_GET,
	B_HASH3_GET,
	/* set-up, untimed */
	B_INODE_SETUP,	/* get(F_CREATE) on the inode */
	B_TASK_SETUP,	/* get(F_CREATE) on current */
	B_HASH_SETUP,	/* insert the inode pointer into the three hash maps */
	/* one timed call each: samples[] */
	B_INODE_CREATE,	/* get(F_CREATE) on an inode without storage */
	B_TASK_CREATE,	/* get(F_CREATE) on a task without storage */
	B_NMODES,
};

struct bench_val {
	__u64 x;
};

#endif /* BENCH_COMMON_H */
