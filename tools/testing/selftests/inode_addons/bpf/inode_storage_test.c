// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of BPF inode-local storage kept in struct inode_addons and
 * usable from tracing programs.  Run as root in the booted test kernel:
 *
 *     inode_storage_test [-v]
 *
 * Prints one line per test, "ok NAME", "not ok NAME - reason" or
 * "skip NAME - reason", lines starting with "#" for details, and a last
 * line "bpf: N passed, N failed, N skipped".  Exits 1 if a test failed.
 * -v shows libbpf's messages.  IA_BPF_FORCE=1 in the environment runs the
 * tests even on a kernel without the kfuncs (to see what such a kernel
 * accepts), where they are otherwise all skipped.
 *
 * The programs are in storage_helpers.bpf.c (helpers from fentry, fexit,
 * LSM and tp_btf), storage_kfuncs.bpf.c (kfuncs from LSM and tp_btf) and
 * storage_reject.bpf.c and storage_reject_helper.bpf.c (programs the verifier
 * must reject).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ia_common.h"
#include "sb_kdev.h"
#include "storage_helpers.skel.h"
#include "storage_kfuncs.skel.h"
#include "storage_reject.skel.h"
#include "storage_reject_helper.skel.h"

#define STATS		"/sys/kernel/debug/inode_addons/stats"
#define LOG_SIZE	(1 << 20)

/* Sizes, kept small: the guest runs under TCG with KASAN. */
#define EVICT_FILES	64	/* test 3 */
#define SLACK		2	/* unrelated containers allowed to come or go */
#define RACE_ROUNDS	8	/* test 4: fresh inodes */
#define RACE_PROCS	4	/* concurrent openers per inode */
#define RACE_OPENS	16	/* opens per opener */

static int n_pass, n_fail, n_skip;
static bool verbose;
static bool quiet_libbpf;
static char tmpdir[PATH_MAX];	/* a private filesystem, see test_fs() */
static char logbuf[LOG_SIZE];

static void ok(const char *name)
{
	printf("ok %s\n", name);
	fflush(stdout);
	n_pass++;
}

static void __attribute__((format(printf, 2, 3))) nok(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("not ok %s - ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	n_fail++;
}

static void __attribute__((format(printf, 2, 3))) skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("skip %s - ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	n_skip++;
}

/*
 * A test collects the first failure in a struct result and reports once.
 */
struct result {
	char why[512];
};

static bool __attribute__((format(printf, 2, 3))) fail(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0])
		return false;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return false;
}

static void report(const char *name, struct result *r)
{
	if (r->why[0])
		nok(name, "%s", r->why);
	else
		ok(name);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (quiet_libbpf || (!verbose && level == LIBBPF_DEBUG))
		return 0;
	fprintf(stderr, "# libbpf: ");
	return vfprintf(stderr, fmt, ap);
}

/* The last lines of a verifier log, as "#" comments. */
static void print_log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);
	int n = 0;

	while (p > log && n <= lines) {
		p--;
		if (*p == '\n')
			n++;
	}
	if (*p == '\n')
		p++;
	while (*p) {
		const char *e = strchrnul(p, '\n');

		printf("#   %.*s\n", (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
}

/* Kernel dev_t (MAJOR << 20 | MINOR) of a userspace st_dev. */
/* sb_kdev() of the file open as @fd. */
static __u32 fd_kdev(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = 0;
	return sb_kdev(path);
}

/* One counter of the debugfs stats file ("name N" lines), or -1. */
static long long stat_counter(const char *name)
{
	char key[64];
	long long v, found = -1;
	FILE *f = fopen(STATS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/* memlock of a map, from /proc/self/fdinfo (what bpftool map show prints). */
static long long map_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

/*
 * Evict what can be evicted, then wait for the RCU-deferred frees: until the
 * live counter is at most @limit, or stops moving for a while.
 */
static long long settle(long long limit, int max_ms)
{
	long long last = -2, now = -1;
	int same = 0, waited;

	for (waited = 0; waited < max_ms; waited += 200) {
		drop_caches();
		usleep(200 * 1000);
		now = stat_counter("live");
		if (limit >= 0 && now <= limit)
			break;
		same = now == last ? same + 1 : 0;
		if (limit < 0 && same >= 3)
			break;
		last = now;
	}
	return now;
}

/*
 * The filesystem the tests run on: IA_BPF_FS=tmpfs (default), ext4, xfs or
 * btrfs.  The others are made on a sparse loop image next to @dir.
 */
static const char *test_fs(void)
{
	return getenv("IA_BPF_FS") ? : "tmpfs";
}

static int mount_testfs(char *dir, size_t len, const char *tag)
{
	const char *fs = test_fs();
	char cmd[3 * PATH_MAX];

	snprintf(dir, len, "%s/ia-bpf-%s.XXXXXX", getenv("TMPDIR") ? : "/tmp", tag);
	if (!mkdtemp(dir))
		return -errno;
	if (!strcmp(fs, "tmpfs")) {
		if (mount("ia-bpf", dir, "tmpfs", 0, "size=16m")) {
			int err = -errno;

			rmdir(dir);
			return err;
		}
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "truncate -s 320M %s.img && mkfs.%s -q -f %s.img >/dev/null && "
		 "mount -o loop %s.img %s", dir, fs, dir, dir, dir);
	if (!strcmp(fs, "ext4"))	/* mkfs.ext4 spells force -F */
		snprintf(cmd, sizeof(cmd), "truncate -s 320M %s.img && mkfs.ext4 -q -F %s.img && "
			 "mount -o loop %s.img %s", dir, dir, dir, dir);
	if (system(cmd)) {
		fprintf(stderr, "# %s: failed\n", cmd);
		snprintf(cmd, sizeof(cmd), "%s.img", dir);
		unlink(cmd);
		rmdir(dir);
		return -EIO;
	}
	return 0;
}

static void umount_testfs(const char *dir)
{
	char img[PATH_MAX + 8];

	if (umount2(dir, strcmp(test_fs(), "tmpfs") ? 0 : MNT_DETACH))
		fprintf(stderr, "# umount %s: %s\n", dir, strerror(errno));
	rmdir(dir);
	snprintf(img, sizeof(img), "%s.img", dir);
	unlink(img);
}

/* Creates @name in the private filesystem; returns an O_RDWR fd, path in @path. */
static int new_file(const char *dir, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	return open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
}

static int open_close(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The .bss controls of one object, so that the same test code drives the
 * helpers object and the kfuncs object.
 */
struct ctl {
	const char *obj;
	__u32 *target_dev;
	__u64 *target_ino;
	__u32 *mode;
	__u64 *magic_in;
	__u64 *hits;
	__u64 *get_null;
	__s64 *del_ret;
	__u64 *magic_seen;
	__u32 *addons_first;	/* kfuncs only */
	__u32 *addons_after;	/* kfuncs only */
};

#define CTL_INIT(name, bss, kf) {					\
	.obj = name,							\
	.target_dev = &(bss)->target_dev,				\
	.target_ino = &(bss)->target_ino,				\
	.mode = (bss)->mode,						\
	.magic_in = &(bss)->magic_in,					\
	.hits = (bss)->hits,						\
	.get_null = (bss)->get_null,					\
	.del_ret = (bss)->del_ret,					\
	.magic_seen = (bss)->magic_seen,				\
	.addons_first = kf,						\
	.addons_after = NULL,						\
}

static void ctl_target(struct ctl *c, int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		*c->target_dev = 0;
		*c->target_ino = 0;
		return;
	}
	*c->target_ino = st.st_ino;
	*c->target_dev = fd_kdev(fd);
}

static void ctl_reset(struct ctl *c, int p)
{
	c->mode[p] = IA_OFF;
	c->hits[p] = 0;
	c->get_null[p] = 0;
	c->del_ret[p] = 1;	/* no delete ran */
	c->magic_seen[p] = 0;
	if (c->addons_first)
		c->addons_first[p] = 0;
	if (c->addons_after)
		c->addons_after[p] = 0;
}

/* What the program of each index is called, and whether it is loaded. */
struct prog {
	const char *name;	/* program name in its object */
	const char *test;	/* its create/update/delete test */
	bool flock;		/* triggered by flock(2), else by open(2) */
	bool loaded;
	struct bpf_link *link;
	char why[512];		/* why it did not load or attach */
};

/* Not one of the value's counters: the helpers' run-time NULL test. */
#define IA_P_NULL	IA_NPROG

static struct prog progs[IA_NPROG + 1] = {
	[IA_P_FENTRY] = { "h_fentry", "bpf/helper-fentry", false },
	[IA_P_FEXIT]  = { "h_fexit",  "bpf/helper-fexit", false },
	[IA_P_LSM]    = { "h_lsm",    "bpf/helper-lsm", false },
	[IA_P_TP]     = { "h_tp",     "bpf/helper-tp_btf", true },
	[IA_P_KF_LSM] = { "k_lsm",    "bpf/kfunc-lsm", false },
	[IA_P_KF_TP]  = { "k_tp",     "bpf/kfunc-tp_btf", true },
	[IA_P_LSM_S]  = { "h_lsm_s",  "bpf/helper-lsm-sleepable", false },
	[IA_P_NULL]   = { "h_null",   "bpf/helper-null-inode", false },
};

/* The programs of each object, as indices into progs[]. */
static const int helper_progs[] = {
	IA_P_FENTRY, IA_P_FEXIT, IA_P_LSM, IA_P_TP, IA_P_LSM_S, IA_P_NULL,
};
static const int kfunc_progs[] = { IA_P_KF_LSM, IA_P_KF_TP };
#define NPROGS(a)	((int)(sizeof(a) / sizeof((a)[0])))

static struct storage_helpers *H;
static struct storage_kfuncs *K;
static struct ctl hc, kc;
static int store_fd = -1;
static bool bpf_lsm_active = true;

static bool usable(int p)
{
	return progs[p].loaded && progs[p].link;
}

/* Runs the program's trigger once on the file open as @fd at @path. */
static int trigger(struct ctl *c, int p, const char *path, int fd)
{
	__u32 m;
	int err = 0;

	if (!progs[p].flock)
		return open_close(path);
	if (flock(fd, LOCK_EX))
		return -errno;
	/* The unlock fires the tracepoint too: not with the program on. */
	m = c->mode[p];
	c->mode[p] = IA_OFF;
	if (flock(fd, LOCK_UN))
		err = -errno;
	c->mode[p] = m;
	return err;
}

static int lookup(int fd, struct ia_val *v)
{
	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(store_fd, &fd, v) ? -errno : 0;
}

typedef const void *(*elf_bytes_fn)(size_t *sz);

/* A fresh bpf_object of a skeleton's embedded ELF, without the skeleton. */
static struct bpf_object *open_elf(elf_bytes_fn elf, const char *name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	const void *bytes;
	size_t sz;

	bytes = elf(&sz);
	return bpf_object__open_mem(bytes, sz, &opts);
}

/*
 * Loads @prog alone from a fresh copy of an object, with a verifier log in
 * logbuf.  Returns the load's result.
 */
static int load_alone(elf_bytes_fn elf, const char *obj_name, const char *prog,
		      int reuse_store_fd)
{
	struct bpf_object *obj = open_elf(elf, obj_name);
	struct bpf_program *q, *target = NULL;
	int err;

	logbuf[0] = 0;
	if (!obj)
		return -errno;
	if (reuse_store_fd >= 0) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, "store");

		if (m)
			bpf_map__reuse_fd(m, reuse_store_fd);
	}
	bpf_object__for_each_program(q, obj) {
		bool me = !strcmp(bpf_program__name(q), prog);

		bpf_program__set_autoload(q, me);
		if (me)
			target = q;
	}
	if (!target) {
		bpf_object__close(obj);
		return -ENOENT;
	}
	bpf_program__set_log_buf(target, logbuf, sizeof(logbuf));
	bpf_program__set_log_level(target, 1);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err;
}

/*
 * Finds which of the programs progs[idx[0..n-1]] the kernel accepts, loading
 * each alone (so one refusal does not hide the others), and keeps the
 * verifier log of those it refuses.
 */
static void probe_progs(elf_bytes_fn elf, const char *obj_name, const int *idx, int n,
			int reuse_store_fd)
{
	int i, err;

	for (i = 0; i < n; i++) {
		struct prog *pr = &progs[idx[i]];

		err = load_alone(elf, obj_name, pr->name, reuse_store_fd);
		pr->loaded = !err;
		if (!err)
			continue;
		snprintf(pr->why, sizeof(pr->why), "load: %s%s", strerror(-err),
			 logbuf[0] ? " (verifier log above)" : "");
		if (logbuf[0]) {
			printf("# %s: verifier log of %s:\n", pr->test, pr->name);
			print_log_tail(logbuf, 25);
		}
	}
}

/* Of the programs idx[], loads only those probe_progs() found loadable. */
static void set_autoload(struct bpf_object *obj, const int *idx, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct bpf_program *q = bpf_object__find_program_by_name(obj, progs[idx[i]].name);

		if (q)
			bpf_program__set_autoload(q, progs[idx[i]].loaded);
	}
}

/* Attaches each loaded program of idx[] on its own. */
static void attach_progs(struct bpf_object *obj, const int *idx, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct prog *pr = &progs[idx[i]];
		struct bpf_program *q;

		if (!pr->loaded)
			continue;
		q = bpf_object__find_program_by_name(obj, pr->name);
		pr->link = q ? bpf_program__attach(q) : NULL;
		if (!pr->link)
			snprintf(pr->why, sizeof(pr->why), "attach: %s", strerror(errno));
	}
}

static void unload_progs(const int *idx, int n, const char *why)
{
	int i;

	for (i = 0; i < n; i++) {
		struct prog *pr = &progs[idx[i]];

		pr->loaded = false;
		if (!pr->why[0])
			snprintf(pr->why, sizeof(pr->why), "%s", why);
	}
}

/*
 * Test 1: create, update and delete from one program.
 *
 * On a fresh file: no value; two triggers with IA_CREATE give one value whose
 * cnt[p] is 2 (created by the first, updated by the second) and no other
 * counter set; IA_DELETE returns 0 and the value is gone; a second delete
 * returns -ENOENT.  The value is read from userspace with the map's
 * lookup-by-fd.  For the kfuncs, bpf_inode_addons() must also show the
 * container and the storage bit after the creation, the storage bit gone
 * after the removal, and for flock(2) the lock-context bit.
 */
static void test_cycle(struct ctl *c, int p)
{
	const char *name = progs[p].test;
	bool kfunc = c->addons_first != NULL;
	struct result r = {};
	char path[PATH_MAX];
	struct ia_val v;
	int fd, err, i;
	__u32 first = 0, after_create = 0, after_delete = 0;

	if (!usable(p)) {
		nok(name, "%s", progs[p].why[0] ? progs[p].why : "not loaded");
		return;
	}
	if (!progs[p].flock && !bpf_lsm_active && strstr(progs[p].name, "lsm")) {
		skip(name, "the BPF LSM is not active (lsm= lacks bpf)");
		return;
	}

	fd = new_file(tmpdir, progs[p].name, path, sizeof(path));
	if (fd < 0) {
		nok(name, "create %s: %s", path, strerror(errno));
		return;
	}
	ctl_reset(c, p);
	ctl_target(c, fd);

	err = lookup(fd, &v);
	if (err != -ENOENT) {
		fail(&r, "fresh file: map lookup gave %s, expected ENOENT",
		     err ? strerror(-err) : "a value");
		goto out;
	}

	/* create, then update */
	c->mode[p] = IA_CREATE;
	for (i = 0; i < 2; i++) {
		err = trigger(c, p, path, fd);
		if (err) {
			fail(&r, "trigger: %s", strerror(-err));
			break;
		}
	}
	c->mode[p] = IA_OFF;
	if (kfunc) {
		first = c->addons_first[p];
		after_create = c->addons_after[p];
	}
	if (r.why[0])
		goto out;
	if (c->hits[p] != 2)
		fail(&r, "the program ran %llu times on the file, expected 2",
		     (unsigned long long)c->hits[p]);
	if (c->get_null[p])
		fail(&r, "get with F_CREATE returned NULL %llu times",
		     (unsigned long long)c->get_null[p]);
	err = lookup(fd, &v);
	if (err)
		fail(&r, "after 2 creates: map lookup: %s", strerror(-err));
	for (i = 0; i < IA_NPROG && !err; i++)
		if (v.cnt[i] != (i == p ? 2 : 0))
			fail(&r, "after 2 creates: cnt[%d] = %llu, expected %d",
			     i, (unsigned long long)v.cnt[i], i == p ? 2 : 0);
	if (kfunc) {
		if (first & IA_BIT_BPF_STORAGE)
			fail(&r, "bpf_inode_addons() before creation = %#x, has BPF_STORAGE", first);
		if ((after_create & (IA_BIT_CONTAINER | IA_BIT_BPF_STORAGE)) !=
		    (IA_BIT_CONTAINER | IA_BIT_BPF_STORAGE))
			fail(&r, "bpf_inode_addons() after creation = %#x, lacks CONTAINER|BPF_STORAGE",
			     after_create);
		if (progs[p].flock && !(first & IA_BIT_FLCTX))
			fail(&r, "bpf_inode_addons() in flock_lock_inode = %#x, lacks FLCTX", first);
	}

	/* delete */
	c->mode[p] = IA_DELETE;
	err = trigger(c, p, path, fd);
	c->mode[p] = IA_OFF;
	if (kfunc)
		after_delete = c->addons_after[p];
	if (err)
		fail(&r, "trigger: %s", strerror(-err));
	if (c->del_ret[p] != 0)
		fail(&r, "delete returned %lld, expected 0", (long long)c->del_ret[p]);
	err = lookup(fd, &v);
	if (err != -ENOENT)
		fail(&r, "after delete: map lookup gave %s, expected ENOENT",
		     err ? strerror(-err) : "a value");
	if (kfunc && (after_delete & IA_BIT_BPF_STORAGE))
		fail(&r, "bpf_inode_addons() after removal = %#x, still has BPF_STORAGE",
		     after_delete);
	if (kfunc && !(after_delete & IA_BIT_CONTAINER))
		fail(&r, "bpf_inode_addons() after removal = %#x, the container went away",
		     after_delete);

	/* delete again: nothing to delete */
	c->mode[p] = IA_DELETE;
	err = trigger(c, p, path, fd);
	c->mode[p] = IA_OFF;
	if (err)
		fail(&r, "trigger: %s", strerror(-err));
	if (c->del_ret[p] != -ENOENT)
		fail(&r, "second delete returned %lld, expected -ENOENT (%d)",
		     (long long)c->del_ret[p], -ENOENT);
out:
	if (kfunc)
		printf("# %s: bpf_inode_addons() first %#x, after create %#x, after remove %#x\n",
		       name, first, after_create, after_delete);
	c->mode[p] = IA_OFF;
	ctl_target(c, -1);
	close(fd);
	unlink(path);
	report(name, &r);
}

/*
 * Test 1, continued: the helpers take a NULL inode, which the verifier lets
 * through (ARG_PTR_TO_BTF_ID_OR_NULL), and handle it at run time.  Creating
 * a file calls security_inode_create() with the new, still negative dentry:
 * get(dentry->d_inode, F_CREATE) must return NULL and delete() -EINVAL.
 */
static void test_null_inode(void)
{
	const char *name = progs[IA_P_NULL].test;
	char dir[PATH_MAX], path[PATH_MAX];
	struct result r = {};
	struct stat st;
	int fd;

	if (!usable(IA_P_NULL)) {
		nok(name, "%s", progs[IA_P_NULL].why[0] ? progs[IA_P_NULL].why : "not loaded");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/nulldir", tmpdir);
	if (mkdir(dir, 0755) || stat(dir, &st)) {
		nok(name, "mkdir %s: %s", dir, strerror(errno));
		return;
	}
	H->bss->null_hits = 0;
	H->bss->null_get_nonnull = 1;
	H->bss->null_del_ret = 1;
	*hc.target_dev = sb_kdev(dir);
	*hc.target_ino = 0;
	H->bss->null_dir_ino = st.st_ino;
	fd = new_file(dir, "new", path, sizeof(path));
	H->bss->null_dir_ino = 0;
	*hc.target_dev = 0;
	if (fd < 0)
		fail(&r, "create %s: %s", path, strerror(errno));
	else
		close(fd);
	if (H->bss->null_hits != 1)
		fail(&r, "security_inode_create ran %llu times in the directory, expected 1",
		     (unsigned long long)H->bss->null_hits);
	if (H->bss->null_get_nonnull)
		fail(&r, "get(NULL inode, F_CREATE) returned a value");
	if (H->bss->null_del_ret != -EINVAL)
		fail(&r, "delete(NULL inode) returned %lld, expected -EINVAL (%d)",
		     (long long)H->bss->null_del_ret, -EINVAL);
	unlink(path);
	rmdir(dir);
	report(name, &r);
}

/*
 * Test 1, continued: the kfuncs take any map (void *map__map) and check it
 * at run time.  From lsm/file_open on a fresh file: lookup and remove on an
 * array map give NULL and -EINVAL; lookup of 72 bytes on an inode storage
 * map with an 8-byte value gives NULL, of 8 bytes a value, which remove
 * then deletes; lookup on a map whose value holds a bpf_spin_lock gives
 * NULL (and so remove -ENOENT).
 */
static void test_badmap(void)
{
	static const struct {
		const char *what;
		long long want;
	} want[IA_NBAD] = {
		[IA_BAD_ARRAY_LOOKUP] = { "lookup on an array map returned a value", 0 },
		[IA_BAD_ARRAY_REMOVE] = { "remove on an array map", -EINVAL },
		[IA_BAD_SMALL_LOOKUP_BIG] = { "lookup of more than the value size returned a value", 0 },
		[IA_BAD_SMALL_LOOKUP_FIT] = { "lookup of the value size returned a value", 1 },
		[IA_BAD_SMALL_REMOVE] = { "remove of that value", 0 },
		[IA_BAD_LOCKED_LOOKUP] = { "lookup on a map whose value has a bpf_spin_lock "
					   "returned a value", 0 },
		[IA_BAD_LOCKED_REMOVE] = { "remove on that map", -ENOENT },
	};
	const char *name = "bpf/kfunc-runtime-map-checks";
	const int p = IA_P_KF_LSM;
	struct result r = {};
	char path[PATH_MAX];
	int fd, i, err;

	if (!usable(p)) {
		skip(name, "needs %s: %s", progs[p].name, progs[p].why);
		return;
	}
	if (!bpf_lsm_active) {
		skip(name, "the BPF LSM is not active (lsm= lacks bpf)");
		return;
	}
	fd = new_file(tmpdir, "badmap", path, sizeof(path));
	if (fd < 0) {
		nok(name, "create: %s", strerror(errno));
		return;
	}
	for (i = 0; i < IA_NBAD; i++)
		K->bss->bad[i] = 0x5a5a;
	ctl_reset(&kc, p);
	ctl_target(&kc, fd);
	kc.mode[p] = IA_BADMAP;
	err = open_close(path);
	kc.mode[p] = IA_OFF;
	if (err)
		fail(&r, "open: %s", strerror(-err));
	if (kc.hits[p] != 1)
		fail(&r, "the program ran %llu times, expected 1", (unsigned long long)kc.hits[p]);
	for (i = 0; i < IA_NBAD; i++)
		if (K->bss->bad[i] != want[i].want)
			fail(&r, "%s: %lld, expected %lld", want[i].what,
			     (long long)K->bss->bad[i], want[i].want);
	ctl_target(&kc, -1);
	close(fd);
	unlink(path);
	report(name, &r);
}

/*
 * Test 2: a value written by one program is read by others, and by and from
 * userspace, through the one map (the kfuncs object reuses the helpers map):
 *   a) fentry (helper) writes; fexit (helper), LSM (kfunc), tp_btf (kfunc)
 *      and userspace read it;
 *   b) userspace updates it; LSM (helper) reads the update;
 *   c) LSM (kfunc) writes; fexit (helper) reads it.
 */
static void test_cross(void)
{
	static const struct {
		const char *name;
		int need[4];
	} sub[] = {
		{ "bpf/cross-fentry-writes", { IA_P_FENTRY, IA_P_FEXIT, IA_P_KF_LSM, IA_P_KF_TP } },
		{ "bpf/cross-userspace-writes", { IA_P_LSM, -1, -1, -1 } },
		{ "bpf/cross-kfunc-writes", { IA_P_KF_LSM, IA_P_FEXIT, -1, -1 } },
	};
	const __u64 m1 = 0x1a0000000000001ull | ((__u64)getpid() << 8);
	const __u64 m2 = m1 ^ 0xff00ff00ull, m3 = m1 ^ 0x00ff00ff0000ull;
	char path[PATH_MAX];
	struct ia_val v;
	int fd, i, j, err;

	if (!H || !K) {
		for (i = 0; i < 3; i++)
			skip(sub[i].name, "needs the %s object, which did not load",
			     H ? "kfuncs" : "helpers");
		return;
	}
	fd = new_file(tmpdir, "cross", path, sizeof(path));
	if (fd < 0) {
		nok("bpf/cross-fentry-writes", "create: %s", strerror(errno));
		return;
	}
	ctl_target(&hc, fd);
	ctl_target(&kc, fd);

	for (i = 0; i < 3; i++) {
		struct result r = {};
		const char *missing = NULL;

		for (j = 0; j < 4; j++)
			if (sub[i].need[j] >= 0 && !usable(sub[i].need[j]))
				missing = progs[sub[i].need[j]].name;
		if (missing) {
			skip(sub[i].name, "needs %s, which did not load or attach", missing);
			continue;
		}
		if (!bpf_lsm_active) {
			skip(sub[i].name, "the BPF LSM is not active (lsm= lacks bpf)");
			continue;
		}
		for (j = 0; j < IA_NPROG; j++) {
			ctl_reset(&hc, j);
			ctl_reset(&kc, j);
		}

		switch (i) {
		case 0:
			*hc.magic_in = m1;
			hc.mode[IA_P_FENTRY] = IA_WRITE;
			hc.mode[IA_P_FEXIT] = IA_READ;
			kc.mode[IA_P_KF_LSM] = IA_READ;
			err = open_close(path);
			hc.mode[IA_P_FENTRY] = hc.mode[IA_P_FEXIT] = IA_OFF;
			kc.mode[IA_P_KF_LSM] = IA_OFF;
			if (err) {
				fail(&r, "open: %s", strerror(-err));
				break;
			}
			kc.mode[IA_P_KF_TP] = IA_READ;
			err = trigger(&kc, IA_P_KF_TP, path, fd);
			kc.mode[IA_P_KF_TP] = IA_OFF;
			if (err)
				fail(&r, "flock: %s", strerror(-err));
			if (hc.hits[IA_P_FENTRY] != 1)
				fail(&r, "fentry ran %llu times, expected 1",
				     (unsigned long long)hc.hits[IA_P_FENTRY]);
			if (hc.magic_seen[IA_P_FEXIT] != m1)
				fail(&r, "fexit (helper) read %#llx, expected %#llx",
				     (unsigned long long)hc.magic_seen[IA_P_FEXIT],
				     (unsigned long long)m1);
			if (kc.magic_seen[IA_P_KF_LSM] != m1)
				fail(&r, "LSM (kfunc) read %#llx, expected %#llx",
				     (unsigned long long)kc.magic_seen[IA_P_KF_LSM],
				     (unsigned long long)m1);
			if (kc.magic_seen[IA_P_KF_TP] != m1)
				fail(&r, "tp_btf (kfunc) read %#llx, expected %#llx",
				     (unsigned long long)kc.magic_seen[IA_P_KF_TP],
				     (unsigned long long)m1);
			err = lookup(fd, &v);
			if (err)
				fail(&r, "map lookup: %s", strerror(-err));
			else if (v.magic != m1 || v.writer != IA_P_FENTRY + 1)
				fail(&r, "map lookup: magic %#llx writer %u, expected %#llx %u",
				     (unsigned long long)v.magic, v.writer,
				     (unsigned long long)m1, IA_P_FENTRY + 1);
			break;
		case 1:
			err = lookup(fd, &v);
			if (err) {
				fail(&r, "map lookup: %s (the previous step left no value)",
				     strerror(-err));
				break;
			}
			v.magic = m2;
			if (bpf_map_update_elem(store_fd, &fd, &v, BPF_EXIST)) {
				fail(&r, "map update: %s", strerror(errno));
				break;
			}
			hc.mode[IA_P_LSM] = IA_READ;
			err = open_close(path);
			hc.mode[IA_P_LSM] = IA_OFF;
			if (err)
				fail(&r, "open: %s", strerror(-err));
			if (hc.magic_seen[IA_P_LSM] != m2)
				fail(&r, "LSM (helper) read %#llx, expected %#llx",
				     (unsigned long long)hc.magic_seen[IA_P_LSM],
				     (unsigned long long)m2);
			break;
		case 2:
			*kc.magic_in = m3;
			kc.mode[IA_P_KF_LSM] = IA_WRITE;
			hc.mode[IA_P_FEXIT] = IA_READ;
			err = open_close(path);
			kc.mode[IA_P_KF_LSM] = IA_OFF;
			hc.mode[IA_P_FEXIT] = IA_OFF;
			if (err)
				fail(&r, "open: %s", strerror(-err));
			if (kc.get_null[IA_P_KF_LSM])
				fail(&r, "kfunc lookup with F_CREATE returned NULL");
			if (hc.magic_seen[IA_P_FEXIT] != m3)
				fail(&r, "fexit (helper) read %#llx, expected %#llx",
				     (unsigned long long)hc.magic_seen[IA_P_FEXIT],
				     (unsigned long long)m3);
			break;
		}
		report(sub[i].name, &r);
	}
	for (j = 0; j < IA_NPROG; j++) {
		ctl_reset(&hc, j);
		ctl_reset(&kc, j);
	}
	ctl_target(&hc, -1);
	ctl_target(&kc, -1);
	close(fd);
	unlink(path);
}

/*
 * Test 3: storage is freed with its inode.  fentry creates a value for each
 * of EVICT_FILES new files on a fresh tmpfs; the files are unlinked and the
 * caches dropped; the containers' live counter must come back to where it
 * was (within SLACK), and the map's memlock must not have grown.
 */
static void test_evict(void)
{
	const char *name = "bpf/evict-frees-storage";
	const int p = IA_P_FENTRY;
	long long live0, live1, live2, mem0, mem1, mem2;
	char dir[PATH_MAX], path[PATH_MAX];
	int fds[EVICT_FILES], i, n = 0, err;
	struct result r = {};
	struct stat st;
	struct ia_val v;

	if (!usable(p)) {
		skip(name, "needs %s: %s", progs[p].name, progs[p].why);
		return;
	}
	if (stat_counter("live") < 0) {
		skip(name, "no %s (CONFIG_INODE_ADDONS=n or no debugfs)", STATS);
		return;
	}
	err = mount_testfs(dir, sizeof(dir), "evict");
	if (err) {
		nok(name, "mount %s: %s", test_fs(), strerror(-err));
		return;
	}
	if (stat(dir, &st)) {
		nok(name, "stat %s: %s", dir, strerror(errno));
		umount_testfs(dir);
		return;
	}

	live0 = settle(-1, 5000);
	mem0 = map_memlock(store_fd);

	ctl_reset(&hc, p);
	*hc.target_dev = sb_kdev(dir);
	*hc.target_ino = 0;		/* every inode of this filesystem */
	hc.mode[p] = IA_CREATE;
	for (i = 0; i < EVICT_FILES; i++) {
		char fname[32];

		snprintf(fname, sizeof(fname), "f%03d", i);
		fds[i] = new_file(dir, fname, path, sizeof(path));
		if (fds[i] < 0) {
			fail(&r, "create %s: %s", path, strerror(errno));
			break;
		}
		n++;
	}
	hc.mode[p] = IA_OFF;

	if (hc.hits[p] != (__u64)n || hc.get_null[p])
		fail(&r, "fentry created %llu values (%llu NULL) for %d files",
		     (unsigned long long)(hc.hits[p] - hc.get_null[p]),
		     (unsigned long long)hc.get_null[p], n);
	for (i = 0; i < n; i++) {
		err = lookup(fds[i], &v);
		if (err || v.cnt[p] != 1) {
			fail(&r, "file %d: lookup %s, cnt %llu, expected a value with cnt 1",
			     i, strerror(-err), (unsigned long long)v.cnt[p]);
			break;
		}
	}
	live1 = stat_counter("live");
	mem1 = map_memlock(store_fd);
	if (live1 - live0 < n - SLACK)
		fail(&r, "live containers went from %lld to %lld for %d files with storage",
		     live0, live1, n);

	for (i = 0; i < n; i++) {
		close(fds[i]);
		snprintf(path, sizeof(path), "%s/f%03d", dir, i);
		unlink(path);
	}
	live2 = settle(live0 + SLACK, 20000);
	mem2 = map_memlock(store_fd);
	printf("# %s: live containers %lld before, %lld with %d values, %lld after eviction; "
	       "map memlock %lld, %lld, %lld\n", name, live0, live1, n, live2, mem0, mem1, mem2);
	if (live2 > live0 + SLACK)
		fail(&r, "live containers %lld after eviction, %lld before (slack %d)",
		     live2, live0, SLACK);
	if (mem2 > mem0)
		fail(&r, "map memlock grew from %lld to %lld", mem0, mem2);

	ctl_reset(&hc, p);
	ctl_target(&hc, -1);
	umount_testfs(dir);
	report(name, &r);
}

/*
 * Runs of @p that the kernel skipped because the program was already
 * running on that CPU (a task preempted inside it): bpf_prog_info's
 * recursion_misses.
 */
static __u64 recursion_misses(int p)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(H->obj, progs[p].name);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!prog || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.recursion_misses;
}

/*
 * Test 4: concurrent creators on one inode end with one value.  For each of
 * RACE_ROUNDS fresh files, RACE_PROCS processes released together open it
 * RACE_OPENS times each; fentry does get(F_CREATE) (and get(0) if it lost
 * the race to publish) and an atomic increment.  Every run of the program
 * must have counted into the one value (count == runs), no run may have been
 * left without a value, and every open must be accounted for: a run, or a
 * run the kernel skipped as a recursion miss (the program was already
 * running on that CPU in a preempted task).
 */
static void test_race(void)
{
	const char *name = "bpf/concurrent-create";
	const int p = IA_P_FENTRY;
	const __u64 want = RACE_PROCS * RACE_OPENS;
	struct result r = {};
	char path[PATH_MAX];
	__u64 race_null = 0, total_misses = 0;
	int round;

	if (!usable(p)) {
		skip(name, "needs %s: %s", progs[p].name, progs[p].why);
		return;
	}
	H->bss->race_null = 0;
	H->bss->lost = 0;

	for (round = 0; round < RACE_ROUNDS && !r.why[0]; round++) {
		char fname[32];
		int fd, go[2], i, status, err;
		pid_t pids[RACE_PROCS];
		struct ia_val v;

		__u64 misses, misses0 = recursion_misses(p);

		snprintf(fname, sizeof(fname), "race%d", round);
		fd = new_file(tmpdir, fname, path, sizeof(path));
		if (fd < 0 || pipe(go)) {
			fail(&r, "create %s: %s", path, strerror(errno));
			break;
		}
		ctl_reset(&hc, p);
		ctl_target(&hc, fd);
		hc.mode[p] = IA_COUNT;

		for (i = 0; i < RACE_PROCS; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				char c;
				int k, bad = 0;

				close(go[1]);
				/* Blocks until the parent closes its end. */
				if (read(go[0], &c, 1) < 0)
					_exit(2);
				for (k = 0; k < RACE_OPENS; k++)
					bad |= open_close(path) != 0;
				_exit(bad);
			}
		}
		close(go[0]);
		close(go[1]);	/* go */
		for (i = 0; i < RACE_PROCS; i++) {
			if (pids[i] < 0) {
				fail(&r, "fork: %s", strerror(errno));
				continue;
			}
			waitpid(pids[i], &status, 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				fail(&r, "opener %d failed (status %#x)", i, status);
		}
		hc.mode[p] = IA_OFF;
		misses = recursion_misses(p) - misses0;

		err = lookup(fd, &v);
		if (err)
			fail(&r, "round %d: map lookup: %s", round, strerror(-err));
		else if (v.opens != hc.hits[p])
			fail(&r, "round %d: count %llu after %llu runs of the program",
			     round, (unsigned long long)v.opens, (unsigned long long)hc.hits[p]);
		if (hc.hits[p] + misses != want)
			fail(&r, "round %d: %llu runs + %llu recursion misses for %llu opens",
			     round, (unsigned long long)hc.hits[p], (unsigned long long)misses,
			     (unsigned long long)want);
		total_misses += misses;
		close(fd);
		unlink(path);
	}
	race_null = H->bss->race_null;
	if (H->bss->lost)
		fail(&r, "%llu opens found no value even after the retry",
		     (unsigned long long)H->bss->lost);
	printf("# %s: %d rounds x %d processes x %d opens; get(F_CREATE) lost the "
	       "creation race %llu times; %llu recursion misses\n", name, round,
	       RACE_PROCS, RACE_OPENS, (unsigned long long)race_null,
	       (unsigned long long)total_misses);
	ctl_reset(&hc, p);
	ctl_target(&hc, -1);
	report(name, &r);
}

/*
 * Test 5: the verifier's rejections.  Each program of storage_reject.bpf.c
 * is loaded alone; the load must fail with the message in the log.  The
 * strings are from 7.3.4's kernel/bpf/verifier.c.
 */
static const struct {
	const char *test, *prog, *expect, *where;
	elf_bytes_fn elf;
} rejects[] = {
	{ "bpf/reject-null-inode-kfunc", "reject_null_dentry_inode",
	  "Possibly NULL pointer passed to trusted R2", "check_kfunc_args",
	  storage_reject__elf_bytes },
	{ "bpf/reject-null-literal-kfunc", "reject_null_literal",
	  "Possibly NULL pointer passed to trusted R2", "check_kfunc_args",
	  storage_reject__elf_bytes },
	{ "bpf/reject-untrusted-fentry-kfunc", "reject_untrusted_fentry",
	  "R2 must be a rcu pointer", "check_kfunc_args, KF_ARG_PTR_TO_BTF_ID",
	  storage_reject__elf_bytes },
	{ "bpf/reject-untrusted-walk-kfunc", "reject_untrusted_walk",
	  "R1 must be a rcu pointer", "check_kfunc_args, KF_ARG_PTR_TO_BTF_ID",
	  storage_reject__elf_bytes },
	{ "bpf/reject-probe-read-kfunc", "reject_probe_read",
	  "Pass a verifier-tracked pointer to the expected kernel object type", "check_kfunc_args, KF_ARG_PTR_TO_BTF_ID: 'R2 is scalar expected struct inode' and its suggestion",
	  storage_reject__elf_bytes },
	{ "bpf/reject-wrong-map-helper", "reject_wrong_map",
	  "cannot pass map_type 2 into func bpf_inode_storage_get#145",
	  "check_map_func_compatibility", storage_reject_helper__elf_bytes },
	{ "bpf/reject-sleepable-lsm-lookup", "reject_sleepable_lsm_lookup",
	  "calling kernel function bpf_inode_storage_lookup is not allowed",
	  "check_kfunc_call, the kfunc set's filter", storage_reject__elf_bytes },
	{ "bpf/reject-sleepable-tracing-helper", "reject_sleepable_tracing",
	  "helper call is not allowed in probe", "check_helper_call, fn->allowed",
	  storage_reject_helper__elf_bytes },
	{ "bpf/reject-storage-code-helper", "reject_storage_code",
	  "helper call is not allowed in probe", "check_helper_call, fn->allowed",
	  storage_reject_helper__elf_bytes },
	{ "bpf/accept-trusted-kfunc-control", "accept_trusted_lsm", NULL, NULL,
	  storage_reject__elf_bytes },
	{ "bpf/accept-sleepable-lsm-remove-control", "accept_sleepable_lsm_remove", NULL, NULL,
	  storage_reject__elf_bytes },
};

static void test_rejects(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		quiet_libbpf = !verbose;
		err = load_alone(rejects[i].elf, "storage_reject", rejects[i].prog, -1);
		quiet_libbpf = false;

		if (!rejects[i].expect) {
			if (err) {
				nok(rejects[i].test, "%s did not load: %s", rejects[i].prog,
				    strerror(-err));
				print_log_tail(logbuf, 25);
			} else {
				ok(rejects[i].test);
			}
		} else if (!err) {
			nok(rejects[i].test, "%s loaded, expected the verifier to refuse it",
			    rejects[i].prog);
		} else if (!strstr(logbuf, rejects[i].expect)) {
			nok(rejects[i].test, "load failed (%s) without \"%s\" (%s) in the log",
			    strerror(-err), rejects[i].expect, rejects[i].where);
			print_log_tail(logbuf, 45);
		} else {
			ok(rejects[i].test);
		}
	}
}

/*
 * Test 5, continued: without privileges nothing loads.  A child drops to
 * nobody (setresuid clears every capability) and checks that CAP_BPF,
 * CAP_PERFMON and CAP_SYS_ADMIN are gone, then tries to load the helpers
 * object and to create an inode storage map directly: both must fail with
 * EPERM.
 */
static void test_unpriv(void)
{
	const char *name = "bpf/reject-unprivileged";
	__u32 key_id, val_id;
	int btf_fd, pfd[2], status;
	char msg[256] = "";
	ssize_t len;
	pid_t pid;

	if (!H) {
		skip(name, "the helpers object did not load");
		return;
	}
	btf_fd = bpf_object__btf_fd(H->obj);
	key_id = bpf_map__btf_key_type_id(H->maps.store);
	val_id = bpf_map__btf_value_type_id(H->maps.store);
	if (pipe(pfd)) {
		nok(name, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct caps[2] = {};
		struct storage_helpers *s;
		__u64 eff;
		int err, fd;

		close(pfd[0]);
		quiet_libbpf = !verbose;
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534)) {
			dprintf(pfd[1], "cannot drop to nobody: %s", strerror(errno));
			_exit(1);
		}
		if (syscall(SYS_capget, &hdr, caps)) {
			dprintf(pfd[1], "capget: %s", strerror(errno));
			_exit(1);
		}
		eff = caps[0].effective | ((__u64)caps[1].effective << 32);
		if (eff & ((1ull << CAP_BPF) | (1ull << CAP_PERFMON) | (1ull << CAP_SYS_ADMIN))) {
			dprintf(pfd[1], "still privileged after setresuid: effective %#llx",
				(unsigned long long)eff);
			_exit(1);
		}

		s = storage_helpers__open();
		if (!s) {
			dprintf(pfd[1], "open: %s", strerror(errno));
			_exit(1);
		}
		err = storage_helpers__load(s);
		storage_helpers__destroy(s);
		if (err != -EPERM) {
			dprintf(pfd[1], "loading the helpers object as nobody gave %s, expected EPERM",
				err ? strerror(-err) : "success");
			_exit(1);
		}

		{
			LIBBPF_OPTS(bpf_map_create_opts, o,
				    .btf_fd = btf_fd,
				    .btf_key_type_id = key_id,
				    .btf_value_type_id = val_id,
				    .map_flags = BPF_F_NO_PREALLOC);

			fd = bpf_map_create(BPF_MAP_TYPE_INODE_STORAGE, "ia_unpriv", sizeof(int),
					    sizeof(struct ia_val), 0, &o);
		}
		if (fd >= 0 || errno != EPERM) {
			dprintf(pfd[1], "BPF_MAP_CREATE of an inode storage map as nobody gave %s, expected EPERM",
				fd >= 0 ? "a map" : strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	close(pfd[1]);
	len = read(pfd[0], msg, sizeof(msg) - 1);
	msg[len > 0 ? len : 0] = 0;
	close(pfd[0]);
	if (pid < 0) {
		nok(name, "fork: %s", strerror(errno));
		return;
	}
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ok(name);
	else
		nok(name, "%s", msg[0] ? msg : "the child failed");
}

/* Does the kernel have the tracing-side inode storage at all? */
static bool kernel_has_kfunc(const char *fn)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool has;

	if (!vmlinux)
		return false;
	has = btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	return has;
}

static void check_bpf_lsm(void)
{
	char buf[512] = "";
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/security/lsm", O_RDONLY);
	if (fd < 0) {
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
		fd = open("/sys/kernel/security/lsm", O_RDONLY);
	}
	if (fd < 0) {
		/*
		 * No securityfs (CONFIG_SECURITYFS=n): an lsm= list on the
		 * command line is the active list (capability aside); without
		 * one, CONFIG_LSM applies and we assume it has bpf.
		 */
		static char cmdline[4096];
		char *lsm, *end;

		fd = open("/proc/cmdline", O_RDONLY);
		if (fd < 0)
			return;
		n = read(fd, cmdline, sizeof(cmdline) - 1);
		close(fd);
		cmdline[n > 0 ? n : 0] = 0;
		lsm = strstr(cmdline, " lsm=");
		if (!lsm)
			return;
		lsm += 5;
		end = strchr(lsm, ' ');
		if (end)
			*end = 0;
		bpf_lsm_active = strstr(lsm, "bpf") != NULL;
		printf("# LSMs from lsm= on the command line: %s\n", lsm);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		bpf_lsm_active = strstr(buf, "bpf") != NULL;
		printf("# active LSMs: %s\n", buf);
	}
}

int main(int argc, char **argv)
{
	int p, err;

	if (argc > 1 && !strcmp(argv[1], "-v"))
		verbose = true;
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);

	if (geteuid() != 0) {
		skip("bpf/all", "must run as root");
		goto out;
	}
	if (access(STATS, R_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	check_bpf_lsm();

	/*
	 * The kfuncs are the mark of the feature.  On a kernel without them
	 * (CONFIG_INODE_ADDONS=n, or before the feature), everything is
	 * skipped; with the container (the debugfs stats exist) they must be
	 * there.
	 */
	if (!kernel_has_kfunc("bpf_inode_storage_lookup") && !getenv("IA_BPF_FORCE")) {
		if (access(STATS, R_OK) == 0)
			nok("bpf/support", "the kernel has the inode_addons container but no "
			    "bpf_inode_storage_lookup kfunc in its BTF");
		else
			skip("bpf/all", "no bpf_inode_storage_lookup kfunc in the kernel BTF");
		goto out;
	}
	ok("bpf/support");

	err = mount_testfs(tmpdir, sizeof(tmpdir), "main");
	if (err) {
		nok("bpf/setup", "mount %s: %s", test_fs(), strerror(-err));
		goto out;
	}

	/*
	 * The helpers object first; the kfuncs object then shares its map.
	 * Programs the kernel refuses are left out, and their tests fail
	 * with the verifier's log.
	 */
	probe_progs(storage_helpers__elf_bytes, "storage_helpers", helper_progs,
		    NPROGS(helper_progs), -1);
	H = storage_helpers__open();
	err = H ? 0 : -errno;
	if (!err) {
		set_autoload(H->obj, helper_progs, NPROGS(helper_progs));
		err = storage_helpers__load(H);
	}
	if (err) {
		printf("# helpers object: %s\n", strerror(-err));
		storage_helpers__destroy(H);
		H = NULL;
		unload_progs(helper_progs, NPROGS(helper_progs), "the helpers object did not load");
		unload_progs(kfunc_progs, NPROGS(kfunc_progs), "no map: the helpers object did not load");
	} else {
		attach_progs(H->obj, helper_progs, NPROGS(helper_progs));
		store_fd = bpf_map__fd(H->maps.store);
		hc = (struct ctl)CTL_INIT("helpers", H->bss, NULL);
	}
	if (H) {
		probe_progs(storage_kfuncs__elf_bytes, "storage_kfuncs", kfunc_progs,
			    NPROGS(kfunc_progs), store_fd);
		K = storage_kfuncs__open();
		err = K ? 0 : -errno;
		if (!err) {
			err = bpf_map__reuse_fd(K->maps.store, store_fd);
			set_autoload(K->obj, kfunc_progs, NPROGS(kfunc_progs));
			err = err ? : storage_kfuncs__load(K);
		}
		if (err) {
			printf("# kfuncs object: %s\n", strerror(-err));
			storage_kfuncs__destroy(K);
			K = NULL;
			unload_progs(kfunc_progs, NPROGS(kfunc_progs), "the kfuncs object did not load");
		} else {
			attach_progs(K->obj, kfunc_progs, NPROGS(kfunc_progs));
			kc = (struct ctl)CTL_INIT("kfuncs", K->bss, K->bss->addons_first);
			kc.addons_after = K->bss->addons_after;
		}
	}

	/* 1: each program on its own */
	for (p = 0; p < IA_NPROG; p++)
		test_cycle(p == IA_P_KF_LSM || p == IA_P_KF_TP ? &kc : &hc, p);
	test_null_inode();
	test_badmap();
	/* 2: between programs */
	test_cross();
	/* 3: eviction */
	test_evict();
	/* 4: concurrency */
	test_race();
	/* 5: the verifier and privileges */
	test_rejects();
	test_unpriv();

	for (p = 0; p <= IA_P_NULL; p++)
		bpf_link__destroy(progs[p].link);
	storage_kfuncs__destroy(K);
	storage_helpers__destroy(H);
	umount_testfs(tmpdir);
out:
	printf("bpf: %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
