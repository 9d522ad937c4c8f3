/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timed loop of the bench programs (BPF side only, after vmlinux.h and
 * bench_common.h).  The program using them defines the globals t_loop,
 * hits and err.
 */
#ifndef BENCH_BPF_H
#define BENCH_BPF_H

/* An inode storage map of struct bench_val. */
#define INODE_STORAGE_MAP(name)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_INODE_STORAGE);		\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__type(key, int);					\
		__type(value, struct bench_val);			\
	} name SEC(".maps")

/* Keeps @x in a register, so that the loop body cannot be folded away. */
#define keep(x) ({ asm volatile("" : "+r"(x)); })

/*
 * BENCH_LOOP calls of @call, which yields a pointer to struct bench_val or
 * NULL; sets t_loop and hits.  The empty loop (@call = NULL) is the
 * baseline the runner subtracts.
 */
#define TIMED_LOOP(call)						\
	do {								\
		__u64 __t0, __sum = 0, __hits = 0;			\
		int __i;						\
									\
		__t0 = bpf_ktime_get_ns();				\
		_Pragma("clang loop unroll(disable)")			\
		for (__i = 0; __i < BENCH_LOOP; __i++) {		\
			struct bench_val *__v = (void *)(call);		\
									\
			if (__v) {					\
				__sum += __v->x;			\
				__hits++;				\
			}						\
			keep(__sum);					\
		}							\
		t_loop = bpf_ktime_get_ns() - __t0;			\
		hits = __hits;						\
		keep(__sum);						\
	} while (0)

/* Set-up: a value (x = 1) for @inode in @map; a failure sets err. */
#define INODE_SETUP(map, inode)						\
	do {								\
		struct bench_val *__v;					\
									\
		__v = bpf_inode_storage_get(map, inode, 0,		\
					    BPF_LOCAL_STORAGE_GET_F_CREATE); \
		if (__v)						\
			__v->x = 1;					\
		else							\
			err = -1;					\
	} while (0)

#endif /* BENCH_BPF_H */
