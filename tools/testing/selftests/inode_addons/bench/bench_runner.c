// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, in the guest: runs one part and prints its results as JSON.
 *
 *   bench_runner lookup  DIR          P2: per-call cost of finding a value
 *   bench_runner create  DIR          P5: per-call cost of creating one
 *   bench_runner hotpath DIR          P3: syscalls with no add-on user, and
 *                                         the same with a lock context or an
 *                                         inotify watch
 *   bench_runner scale   DIR NFILES   P4: slab memory of NFILES files, with
 *                                         0 %, 1 % and 100 % of them
 *                                         carrying BPF inode storage
 *   bench_runner race    DIR          P6: one task, then one per CPU at once,
 *                                         creating storage on the same fresh
 *                                         inodes (the cmpxchg race path)
 *
 * DIR is an empty directory on the filesystem to use (tmpfs).  Times come
 * from the guest's clocks: make bench boots with QEMU's "-icount shift=0",
 * where one nanosecond is one emulated instruction (see bench_common.h).
 * Every figure is the minimum (and the median) over repetitions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../sb_kdev.h"
#include "bench_common.h"
#include "bench.skel.h"
#include "bench_kfunc.skel.h"

#define REPS 31

enum { P_NONE, P_TRACE, P_BASE, P_LSM };

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_runner: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* libbpf's messages, kept so that a refused program can say why. */
static char logbuf[1 << 16];
static size_t loglen;

static int keep_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	if (loglen < sizeof(logbuf) - 1)
		loglen += vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen,
				    fmt, ap);
	if (loglen > sizeof(logbuf) - 1)
		loglen = sizeof(logbuf) - 1;
	return 0;
}

/*
 * The verifier's (or libbpf's) reason: the first line holding the most
 * telling of these phrases, in this order.
 */
static const char *refusal(void)
{
	static char why[256];
	static const char *const keys[] = {
		"not found", "cannot use helper", "not allowed", "unknown func",
		"must be", "invalid", "cannot", "failed to",
	};

	snprintf(why, sizeof(why), "load failed");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char *hit = strstr(logbuf, keys[i]), *start, *end;

		if (!hit)
			continue;
		for (start = hit; start > logbuf && start[-1] != '\n'; start--)
			;
		end = strchrnul(hit, '\n');
		snprintf(why, sizeof(why), "%.*s", (int)(end - start), start);
		break;
	}
	for (char *c = why; *c; c++)
		if (*c == '"' || *c == '\\' || *c < ' ')
			*c = '\'';
	loglen = 0;
	logbuf[0] = 0;
	return why;
}

/* One instance of bench.bpf.c with only @prog loaded and attached. */
static struct bench *open_one(const char *prog, const char **why)
{
	struct bpf_program *p;
	struct bench *skel;

	loglen = 0;
	skel = bench__open();
	if (!skel)
		die("cannot open the bench object");
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	skel->bss->target_tgid = getpid();
	if (bench__load(skel)) {
		*why = refusal();
		bench__destroy(skel);
		return NULL;
	}
	p = bpf_object__find_program_by_name(skel->obj, prog);
	if (!bpf_program__attach(p)) {
		*why = refusal();
		bench__destroy(skel);
		return NULL;
	}
	return skel;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

struct stat2 {
	double min, median, mean;
};

static struct stat2 stats(__u64 *v, size_t n)
{
	struct stat2 s = { 0 };
	double sum = 0;

	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s.min = v[0];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	s.mean = sum / n;
	return s;
}

/* ------------------------------------------------------------------ P2 */

static int target_fd;

/* Arms @prog of @skel with @mode and triggers it with the bench ioctl. */
static void fire(struct bench *skel, __u32 prog, __u32 mode)
{
	skel->bss->mode = mode;
	skel->bss->err = 0;
	skel->bss->armed = prog;
	ioctl(target_fd, BENCH_IOCTL, 0);
	if (skel->bss->armed)
		die("program %u did not run on the bench ioctl", prog);
}

static void fire_kfunc(struct bench_kfunc *skel, __u32 mode)
{
	skel->bss->mode = mode;
	skel->bss->err = 0;
	skel->bss->armed = 1;
	if (flock(target_fd, LOCK_SH) || flock(target_fd, LOCK_UN))
		die("flock: %s", strerror(errno));
	if (skel->bss->armed)
		die("the kfunc program did not run on flock()");
}

struct loop_result {
	struct stat2 loop, empty;
};

/*
 * Times @mode and the empty loop alternately, REPS times each, and checks
 * that every call of every loop found the value.
 */
#define MEASURE(res, fire_mode, bss, mode)				\
	do {								\
		struct loop_result *__res = &(res);			\
		__typeof__(bss) __bss = (bss);				\
		__typeof__(mode) __mode = (mode);			\
		__u64 __l[REPS], __e[REPS];				\
									\
		for (int __r = 0; __r < REPS; __r++) {			\
			fire_mode(B_EMPTY);				\
			__e[__r] = __bss->t_loop;			\
			fire_mode(__mode);				\
			__l[__r] = __bss->t_loop;			\
			if (__bss->hits != BENCH_LOOP)			\
				die("mode %d: %llu of %d calls found the value", \
				    __mode, (unsigned long long)__bss->hits, \
				    BENCH_LOOP);			\
		}							\
		__res->loop = stats(__l, REPS);				\
		__res->empty = stats(__e, REPS);			\
	} while (0)

static int nres;

static void emit_lookup(const char *id, const char *what,
			const struct loop_result *r, const char *why)
{
	printf("%s\n    {\"id\": \"%s\", \"what\": \"%s\", ", nres++ ? "," : "",
	       id, what);
	if (why) {
		printf("\"refused\": \"%s\"}", why);
		return;
	}
	printf("\"per_call\": %.2f, \"per_call_median\": %.2f, ",
	       (r->loop.min - r->empty.min) / BENCH_LOOP,
	       (r->loop.median - r->empty.median) / BENCH_LOOP);
	printf("\"loop_min\": %.0f, \"empty_min\": %.0f, \"calls\": %d, \"reps\": %d}",
	       r->loop.min, r->empty.min, BENCH_LOOP, REPS);
}

/* Fake inode addresses for the hash maps: the real one is added by BPF. */
static void fill_hash(struct bpf_map *map, __u32 n)
{
	__u64 *keys = calloc(n, sizeof(*keys));
	struct bench_val *vals = calloc(n, sizeof(*vals));
	__u32 count = n - 1;

	if (!keys || !vals)
		die("out of memory");
	for (__u32 i = 0; i < n - 1; i++)
		keys[i] = 0xffff888100000000ull + (__u64)i * 1024;
	if (bpf_map_update_batch(bpf_map__fd(map), keys, vals, &count, NULL) ||
	    count != n - 1)
		die("filling %s: %s", bpf_map__name(map), strerror(errno));
	free(keys);
	free(vals);
}

static void open_target(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	target_fd = open(path, O_RDWR | O_CREAT, 0600);
	if (target_fd < 0)
		die("%s: %s", path, strerror(errno));
}

static int cmd_lookup(const char *dir)
{
	struct loop_result r;
	struct bench *skel;
	const char *why = NULL;

	open_target(dir, "lookup-target");
	printf("{\"part\": \"lookup\", \"loop\": %d, \"results\": [", BENCH_LOOP);

	/* Inode storage, helper, from a tracing program (fentry). */
	skel = open_one("b_trace", &why);
#define FIRE(m) fire(skel, P_TRACE, m)
	if (skel) {
		FIRE(B_INODE_SETUP);
		if (skel->bss->err)
			die("could not create inode storage from fentry");
		MEASURE(r, FIRE, skel->bss, B_INODE_GET);
		bench__destroy(skel);
	}
#undef FIRE
	emit_lookup("inode_helper_fentry", "inode storage, helper, fentry", &r,
		    skel ? NULL : why);

	/* Inode storage, helper, from a BPF LSM program. */
	skel = open_one("b_lsm", &why);
#define FIRE(m) fire(skel, P_LSM, m)
	if (skel) {
		FIRE(B_INODE_SETUP);
		if (skel->bss->err)
			die("could not create inode storage from lsm");
		MEASURE(r, FIRE, skel->bss, B_INODE_GET);
		bench__destroy(skel);
	}
#undef FIRE
	emit_lookup("inode_helper_lsm", "inode storage, helper, BPF LSM", &r,
		    skel ? NULL : why);

	/* Inode storage, kfunc and helper, from tp_btf. */
	{
		struct bench_kfunc *ks;

		loglen = 0;
		ks = bench_kfunc__open();
		if (!ks)
			die("cannot open the kfunc object");
		ks->bss->target_tgid = getpid();
		why = NULL;
		if (bench_kfunc__load(ks) || bench_kfunc__attach(ks)) {
			why = refusal();
			bench_kfunc__destroy(ks);
			ks = NULL;
		}
#define FIRE(m) fire_kfunc(ks, m)
		if (ks) {
			FIRE(B_INODE_SETUP);
			if (ks->bss->err)
				die("could not create inode storage from tp_btf");
			MEASURE(r, FIRE, ks->bss, B_KFUNC_GET);
		}
		emit_lookup("inode_kfunc_tp_btf", "inode storage, kfunc, tp_btf",
			    &r, why);
		if (ks)
			MEASURE(r, FIRE, ks->bss, B_INODE_GET);
		emit_lookup("inode_helper_tp_btf", "inode storage, helper, tp_btf",
			    &r, why);
#undef FIRE
		if (ks)
			bench_kfunc__destroy(ks);
	}

	/* What tracing programs have today: task storage and hash maps. */
	skel = open_one("b_base", &why);
	if (!skel)
		die("the baseline program did not load: %s", why);
#define FIRE(m) fire(skel, P_BASE, m)
	FIRE(B_TASK_SETUP);
	MEASURE(r, FIRE, skel->bss, B_TASK_GET);
	emit_lookup("task_storage", "task storage (current), helper, fentry",
		    &r, NULL);
	fill_hash(skel->maps.hash1, BENCH_H1);
	fill_hash(skel->maps.hash2, BENCH_H2);
	fill_hash(skel->maps.hash3, BENCH_H3);
	FIRE(B_HASH_SETUP);
	if (skel->bss->err)
		die("could not add the inode to the hash maps: %lld",
		    (long long)skel->bss->err);
	MEASURE(r, FIRE, skel->bss, B_HASH1_GET);
	emit_lookup("hash_1k", "hash map by inode pointer, 1k entries", &r, NULL);
	MEASURE(r, FIRE, skel->bss, B_HASH2_GET);
	emit_lookup("hash_10k", "hash map by inode pointer, 10k entries", &r, NULL);
	MEASURE(r, FIRE, skel->bss, B_HASH3_GET);
	emit_lookup("hash_100k", "hash map by inode pointer, 100k entries", &r, NULL);
#undef FIRE
	{
		/* What the hash maps cost in memory, per entry. */
		struct bpf_map *maps[] = {
			skel->maps.hash1, skel->maps.hash2, skel->maps.hash3,
		};
		printf("\n  ], \"hash_memlock\": [");
		for (int i = 0; i < 3; i++) {
			char path[64], line[256];
			unsigned long long memlock = 0;
			FILE *f;

			snprintf(path, sizeof(path), "/proc/self/fdinfo/%d",
				 bpf_map__fd(maps[i]));
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f))
				sscanf(line, "memlock: %llu", &memlock);
			if (f)
				fclose(f);
			printf("%s{\"entries\": %u, \"bytes\": %llu}", i ? ", " : "",
			       bpf_map__max_entries(maps[i]), memlock);
		}
	}
	bench__destroy(skel);
	printf("]}\n");
	return 0;
}

/* ------------------------------------------------------------------ P5 */

#define NCREATE 1000

static void emit_create(const char *id, const char *what, struct bench *skel,
			const char *why)
{
	struct stat2 s;

	printf("%s\n    {\"id\": \"%s\", \"what\": \"%s\", ", nres++ ? "," : "",
	       id, what);
	if (why) {
		printf("\"refused\": \"%s\"}", why);
		return;
	}
	s = stats(skel->bss->samples, skel->bss->nsamples);
	printf("\"n\": %u, \"min\": %.0f, \"median\": %.0f, \"mean\": %.1f}",
	       skel->bss->nsamples, s.min, s.median, s.mean);
}

/* Storage on NCREATE fresh files; with @locked, each has a lock context. */
static void create_inodes(struct bench *skel, __u32 prog, const char *dir,
			  const char *tag, bool locked)
{
	char path[4096];

	skel->bss->nsamples = 0;
	for (int i = 0; i < NCREATE; i++) {
		snprintf(path, sizeof(path), "%s/%s-%d", dir, tag, i);
		target_fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (target_fd < 0)
			die("%s: %s", path, strerror(errno));
		if (locked && (flock(target_fd, LOCK_SH) ||
			       flock(target_fd, LOCK_UN)))
			die("flock: %s", strerror(errno));
		fire(skel, prog, B_INODE_CREATE);
		if (skel->bss->err)
			die("creating inode storage on %s failed", path);
		close(target_fd);
	}
	if (skel->bss->nsamples != NCREATE)
		die("%u creations timed, want %d", skel->bss->nsamples, NCREATE);
}

static int cmd_create(const char *dir)
{
	static const struct {
		const char *prog, *id, *what;
		__u32 p;
	} inode_progs[] = {
		{ "b_trace", "inode_fentry", "inode storage, helper, fentry", P_TRACE },
		{ "b_lsm", "inode_lsm", "inode storage, helper, BPF LSM", P_LSM },
	};
	struct bench *skel;
	const char *why = NULL;
	char tag[64];

	printf("{\"part\": \"create\", \"results\": [");
	for (size_t i = 0; i < 2; i++) {
		skel = open_one(inode_progs[i].prog, &why);
		if (skel)
			create_inodes(skel, inode_progs[i].p, dir,
				      inode_progs[i].id, false);
		emit_create(inode_progs[i].id, inode_progs[i].what, skel,
			    skel ? NULL : why);
		snprintf(tag, sizeof(tag), "%s_locked", inode_progs[i].id);
		if (skel)
			create_inodes(skel, inode_progs[i].p, dir, tag, true);
		emit_create(tag, "the same on files with a lock context", skel,
			    skel ? NULL : why);
		if (skel)
			bench__destroy(skel);
	}

	/* Task storage on NCREATE fresh tasks. */
	skel = open_one("b_base", &why);
	if (!skel)
		die("the baseline program did not load: %s", why);
	open_target(dir, "task-target");
	skel->bss->nsamples = 0;
	for (int i = 0; i < NCREATE; i++) {
		pid_t pid;
		int st;

		skel->bss->mode = B_TASK_CREATE;
		skel->bss->armed = P_BASE;
		pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid) {
			ioctl(target_fd, BENCH_IOCTL, 0);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid || skel->bss->armed)
			die("the task storage program did not run in the child");
	}
	if (skel->bss->err || skel->bss->nsamples != NCREATE)
		die("task storage creation: %u timed, err %lld",
		    skel->bss->nsamples, (long long)skel->bss->err);
	emit_create("task", "task storage, helper, fentry, fresh task", skel,
		    NULL);
	bench__destroy(skel);
	printf("\n]}\n");
	return 0;
}

/* ------------------------------------------------------------------ P3 */

#define NHOT 2000
#define HOT_REPS 9

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void emit_hot(const char *id, const char *what, __u64 *per_op)
{
	struct stat2 s = stats(per_op, HOT_REPS);

	printf("%s\n    {\"id\": \"%s\", \"what\": \"%s\", \"ops\": %d, ",
	       nres++ ? "," : "", id, what, NHOT);
	printf("\"reps\": %d, \"min\": %.0f, \"median\": %.0f}", HOT_REPS, s.min, s.median);
}

/* Creates @n empty files DIR/NAME-0.. and opens them read-write into @fds. */
static void open_fresh(const char *dir, const char *name, int *fds, int n)
{
	char path[4096];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s-%d", dir, name, i);
		fds[i] = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fds[i] < 0)
			die("%s: %s", path, strerror(errno));
	}
}

/* Closes and removes what open_fresh() made. */
static void close_fresh(const char *dir, const char *name, const int *fds, int n)
{
	char path[4096];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s-%d", dir, name, i);
		close(fds[i]);
		unlink(path);
	}
}

static int cmd_hotpath(const char *dir)
{
	static char buf[64];
	char path[4096];
	__u64 per_op[HOT_REPS], t;
	struct stat st;
	int fd, fds[NHOT];

	snprintf(path, sizeof(path), "%s/hot", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	close(fd);
	printf("{\"part\": \"hotpath\", \"results\": [");

	for (int r = 0; r < HOT_REPS; r++) {
		t = now_ns();
		for (int i = 0; i < NHOT; i++)
			close(open(path, O_RDONLY));
		per_op[r] = (now_ns() - t) / NHOT;
	}
	emit_hot("open_close", "open() + close() of a tmpfs file", per_op);

	/*
	 * What every inode pays, with or without add-ons: its creation and
	 * its eviction.  Pristine allocates an LSM inode blob there for the
	 * BPF LSM's storage pointer; the container needs none.
	 */
	for (int r = 0; r < HOT_REPS; r++) {
		t = now_ns();
		open_fresh(dir, "new", fds, NHOT);
		close_fresh(dir, "new", fds, NHOT);
		per_op[r] = (now_ns() - t) / NHOT;
	}
	emit_hot("create_unlink", "open(O_CREAT) + close() + unlink() of a new tmpfs file",
		 per_op);

	for (int r = 0; r < HOT_REPS; r++) {
		t = now_ns();
		for (int i = 0; i < NHOT; i++)
			if (stat(path, &st))
				die("stat: %s", strerror(errno));
		per_op[r] = (now_ns() - t) / NHOT;
	}
	emit_hot("stat", "stat() of a tmpfs file", per_op);

	fd = open(path, O_WRONLY);
	for (int r = 0; r < HOT_REPS; r++) {
		t = now_ns();
		for (int i = 0; i < NHOT; i++)
			if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
				die("pwrite: %s", strerror(errno));
		per_op[r] = (now_ns() - t) / NHOT;
	}
	close(fd);
	emit_hot("write", "pwrite() of 64 bytes, no watches", per_op);

	/*
	 * The same with an inotify watch on the file: fsnotify() finds the
	 * mark connector (in the container, or in the inode) and queues an
	 * event, merged with the identical one before it until read.
	 */
	{
		char ev[4096];
		int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

		if (in < 0 || inotify_add_watch(in, path, IN_MODIFY) < 0)
			die("inotify: %s", strerror(errno));
		fd = open(path, O_WRONLY);
		for (int r = 0; r < HOT_REPS; r++) {
			t = now_ns();
			for (int i = 0; i < NHOT; i++)
				if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
					die("pwrite: %s", strerror(errno));
			per_op[r] = (now_ns() - t) / NHOT;
			if (read(in, ev, sizeof(ev)) <= 0)
				die("no inotify event after the writes: %s", strerror(errno));
			while (read(in, ev, sizeof(ev)) > 0)
				;
		}
		close(fd);
		close(in);
	}
	emit_hot("write_watched", "pwrite() of 64 bytes, an inotify IN_MODIFY watch on the file",
		 per_op);

	for (int r = 0; r < HOT_REPS; r++) {
		open_fresh(dir, "fresh", fds, NHOT);
		t = now_ns();
		for (int i = 0; i < NHOT; i++)
			if (flock(fds[i], LOCK_EX) || flock(fds[i], LOCK_UN))
				die("flock: %s", strerror(errno));
		per_op[r] = (now_ns() - t) / NHOT;
		close_fresh(dir, "fresh", fds, NHOT);
	}
	emit_hot("flock_fresh", "flock(LOCK_EX) + flock(LOCK_UN) on a fresh file",
		 per_op);

	/* The same on files that have had a lock: the context exists. */
	open_fresh(dir, "ctx", fds, NHOT);
	for (int i = 0; i < NHOT; i++)
		if (flock(fds[i], LOCK_EX) || flock(fds[i], LOCK_UN))
			die("flock: %s", strerror(errno));
	for (int r = 0; r < HOT_REPS; r++) {
		t = now_ns();
		for (int i = 0; i < NHOT; i++)
			if (flock(fds[i], LOCK_EX) || flock(fds[i], LOCK_UN))
				die("flock: %s", strerror(errno));
		per_op[r] = (now_ns() - t) / NHOT;
	}
	close_fresh(dir, "ctx", fds, NHOT);
	emit_hot("flock_again", "flock(LOCK_EX) + flock(LOCK_UN) on a file with a lock context",
		 per_op);
	printf("\n]}\n");
	return 0;
}

/* ------------------------------------------------------------------ P4 */

static long long slab_kb(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	if (kb < 0)
		die("no Slab: line in /proc/meminfo");
	return kb;
}

/* The caches that moved, for the report: name active_objs objsize. */
static void slab_caches(const char *tag)
{
	char line[512], name[64];
	unsigned long active, num, objsize;
	FILE *f = fopen("/proc/slabinfo", "r");
	int first = 1;

	printf(", \"caches_%s\": {", tag);
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &num,
			   &objsize) != 4)
			continue;
		if (num * objsize < (1ul << 20))
			continue;	/* under 1 MiB: not ours */
		printf("%s\"%s\": [%lu, %lu]", first ? "" : ", ", name, num,
		       objsize);
		first = 0;
	}
	if (f)
		fclose(f);
	printf("}");
}

static void file_path(char *buf, size_t len, const char *dir, long i)
{
	snprintf(buf, len, "%s/d%04ld/f%ld", dir, i / 1000, i);
}

static void open_every(const char *dir, long n, long step)
{
	char path[4096];

	for (long i = 0; i < n; i += step) {
		int fd;

		file_path(path, sizeof(path), dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		close(fd);
	}
}

static void settle(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	/* Only the reclaimable kernel caches of other filesystems. */
	if (fd >= 0) {
		if (write(fd, "2", 1) != 1)
			die("drop_caches: %s", strerror(errno));
		close(fd);
	}
	sleep(2);
}

static int cmd_scale(const char *dir, long n)
{
	static const char * const progs[] = { "b_open_trace", "b_open_lsm" };
	const char *why = NULL, *used = NULL;
	char path[4096];
	struct bench *skel = NULL;
	long long s0, s1, s2, s3;
	struct stat st;

	if (stat(dir, &st))
		die("%s: %s", dir, strerror(errno));

	/* Load first: the program's own maps are not part of the figures. */
	for (int i = 0; i < 2 && !skel; i++) {
		skel = open_one(progs[i], &why);
		if (skel)
			used = progs[i];
		else
			fprintf(stderr, "bench_runner: %s refused: %s\n",
				progs[i], why);
	}
	if (!skel)
		die("no program can create inode storage on this kernel");
	skel->bss->scale_dev = (major(st.st_dev) << 20) | minor(st.st_dev);

	settle();
	s0 = slab_kb();
	printf("{\"part\": \"scale\", \"files\": %ld, \"program\": \"%s\"", n, used);
	slab_caches("before");
	for (long i = 0; i < n; i++) {
		int fd;

		if (i % 1000 == 0) {
			snprintf(path, sizeof(path), "%s/d%04ld", dir, i / 1000);
			if (mkdir(path, 0700))
				die("%s: %s", path, strerror(errno));
		}
		file_path(path, sizeof(path), dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		close(fd);
	}
	settle();
	s1 = slab_kb();
	slab_caches("0");

	skel->bss->scale_on = 1;
	open_every(dir, n, 100);
	settle();
	s2 = slab_kb();
	slab_caches("1");
	if (skel->bss->scale_created != (unsigned long long)(n + 99) / 100)
		die("1 %%: %llu files got storage, %llu failed, want %ld",
		    skel->bss->scale_created, skel->bss->scale_failed,
		    (n + 99) / 100);

	open_every(dir, n, 1);
	settle();
	s3 = slab_kb();
	slab_caches("100");
	if (skel->bss->scale_failed)
		die("100 %%: storage failed on %llu files",
		    skel->bss->scale_failed);

	printf(", \"slab_kb\": {\"before\": %lld, \"0\": %lld, \"1\": %lld, \"100\": %lld}}\n",
	       s0, s1, s2, s3);
	bench__destroy(skel);
	return 0;
}

/* ------------------------------------------------------------------ P6 */

#define NRACE 2000
#define RACE_MAX_TASKS 8

/* A counter of the container cache (debugfs), or -1 without one. */
static long long addons_stat(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/inode_addons/stats", "r");
	long long v, ret = -1;
	char key[32];

	if (!f)
		return -1;
	while (fscanf(f, "%31s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}

struct race_task {
	pthread_t thread;
	pthread_barrier_t *start;
	const int *fds;
	int cpu;
};

/*
 * Pinned to its CPU; released with the others, triggers the program on every
 * file in order (no file implements the ioctl: ENOTTY).
 */
static void *race_fn(void *arg)
{
	struct race_task *t = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		die("cannot pin a task to CPU %d", t->cpu);
	pthread_barrier_wait(t->start);
	for (int i = 0; i < NRACE; i++)
		ioctl(t->fds[i], BENCH_RACE_IOCTL, 0);
	return NULL;
}

static void race_round(struct bench *skel, const char *dir, int ntasks)
{
	struct race_task tasks[RACE_MAX_TASKS];
	long long alloc0, lost0, fail0, alloc1, lost1, fail1;
	pthread_barrier_t start;
	char name[32];
	struct bench_val v;
	int fds[NRACE], map = bpf_map__fd(skel->maps.rstore);
	unsigned int exact = 0;

	snprintf(name, sizeof(name), "race-%d", ntasks);
	open_fresh(dir, name, fds, NRACE);
	skel->bss->race_first = 0;
	skel->bss->race_later = 0;
	skel->bss->race_found = 0;
	skel->bss->race_lost = 0;
	skel->bss->race_failed = 0;
	skel->bss->race_create_ns = 0;
	skel->bss->race_creates = 0;
	alloc0 = addons_stat("allocated");
	lost0 = addons_stat("races_lost");
	fail0 = addons_stat("failed");

	if (pthread_barrier_init(&start, NULL, ntasks + 1))
		die("pthread_barrier_init");
	skel->bss->race_on = 1;
	for (int t = 0; t < ntasks; t++) {
		tasks[t] = (struct race_task){ .start = &start, .fds = fds, .cpu = t };
		if (pthread_create(&tasks[t].thread, NULL, race_fn, &tasks[t]))
			die("pthread_create");
	}
	pthread_barrier_wait(&start);
	for (int t = 0; t < ntasks; t++)
		pthread_join(tasks[t].thread, NULL);
	skel->bss->race_on = 0;
	pthread_barrier_destroy(&start);

	alloc1 = addons_stat("allocated");
	lost1 = addons_stat("races_lost");
	fail1 = addons_stat("failed");
	/* One value per inode, which every task got exactly once. */
	for (int i = 0; i < NRACE; i++)
		if (!bpf_map_lookup_elem(map, &fds[i], &v) && v.x == (__u64)ntasks)
			exact++;
	close_fresh(dir, name, fds, NRACE);

	printf("%s\n    {\"id\": \"race_%d\", \"tasks\": %d, \"inodes\": %d, "
	       "\"values_exact\": %u, \"first\": %llu, \"later\": %llu, \"found\": %llu, "
	       "\"storage_lost\": %llu, \"failed\": %llu, \"creates\": %llu, "
	       "\"create_ns_mean\": %.1f, \"containers\": %lld, \"container_races_lost\": %lld, "
	       "\"container_failed\": %lld}",
	       nres++ ? "," : "", ntasks, ntasks, NRACE, exact,
	       (unsigned long long)skel->bss->race_first,
	       (unsigned long long)skel->bss->race_later,
	       (unsigned long long)skel->bss->race_found,
	       (unsigned long long)skel->bss->race_lost,
	       (unsigned long long)skel->bss->race_failed,
	       (unsigned long long)skel->bss->race_creates,
	       skel->bss->race_creates ?
	       (double)skel->bss->race_create_ns / skel->bss->race_creates : 0.0,
	       alloc0 < 0 ? -1 : alloc1 - alloc0, lost0 < 0 ? -1 : lost1 - lost0,
	       fail0 < 0 ? -1 : fail1 - fail0);
}

static int cmd_race(const char *dir)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ntasks = ncpu < RACE_MAX_TASKS ? (int)ncpu : RACE_MAX_TASKS;
	const char *why = NULL;
	struct bench *skel;

	printf("{\"part\": \"race\", \"results\": [");
	skel = open_one("b_race", &why);
	if (!skel) {
		printf("\n    {\"id\": \"race_1\", \"refused\": \"%s\"}\n]}\n", why);
		return 0;
	}
	race_round(skel, dir, 1);
	if (ntasks > 1)
		race_round(skel, dir, ntasks);
	bench__destroy(skel);
	printf("\n]}\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit nofile = { NHOT + 64, NHOT + 64 };

	libbpf_set_print(keep_log);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* hotpath keeps NHOT fresh files open */
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		die("cannot raise RLIMIT_NOFILE to %d: %s", NHOT + 64,
		    strerror(errno));
	if (argc == 3 && !strcmp(argv[1], "lookup"))
		return cmd_lookup(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "create"))
		return cmd_create(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hotpath"))
		return cmd_hotpath(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "race"))
		return cmd_race(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "scale"))
		return cmd_scale(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: %s lookup|create|hotpath|race DIR | scale DIR NFILES\n",
		argv[0]);
	return 2;
}
