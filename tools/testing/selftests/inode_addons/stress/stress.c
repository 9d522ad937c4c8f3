// SPDX-License-Identifier: GPL-2.0
/*
 * Stress of the inode add-on container's users, for "make stress":
 *
 *     stress SECONDS DIR...
 *
 * For SECONDS, on each DIR (one per filesystem under test) at once:
 *   churn   create, write, rename, open, unlink
 *   walk    directories made and removed under path walkers (RCU walk)
 *   marks   inotify watches, fanotify inode marks, dnotify, added and removed
 *   locks   flock, POSIX and OFD locks, read leases, taken and released
 * and globally:
 *   drop    drop_caches every half second (eviction, XFS reclaim)
 *   maps    an inode storage map created, filled from fentry, and freed
 *           while its values are live, over and over
 * while stress.bpf.c's programs create and delete inode storage (values
 * with a referenced kptr) on the open, permission, lock and eviction paths.
 *
 * Fault injection: if /sys/kernel/debug/fail_inode_addons and failslab
 * exist, both fail 1% of the allocations of the workers (task-filter, so
 * that the guest around them keeps working).  The report says how many
 * failures were injected.
 *
 * Prints one "# ..." line per worker kind and, last, "stress: ok" or
 * "stress: FAILED ..."; exits 0 only if every worker ran and none hit an
 * unexpected error.  Leaks and kernel reports are judged by the caller
 * (container counters, kmemleak, the console).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>

#include "stress.skel.h"
#include "sb_kdev.h"

#define MAX_DIRS	8
#define NFILES		32

enum kind { K_CHURN, K_WALK, K_MARKS, K_LOCKS, K_DROP, K_MAPS, NKINDS };
static const char *const kind_name[NKINDS] = {
	"churn", "walk", "marks", "locks", "drop", "maps",
};

/* Shared with the workers (MAP_SHARED). */
struct shared {
	int stop;		/* read and written with __atomic builtins */
	unsigned long long ops[NKINDS];
	unsigned long long errors[NKINDS];
	char first_error[NKINDS][160];
};

static struct shared *sh;

static bool stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

static void error(enum kind k, const char *fmt, ...)
{
	va_list ap;

	if (__sync_fetch_and_add(&sh->errors[k], 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(sh->first_error[k], sizeof(sh->first_error[k]), fmt, ap);
		va_end(ap);
	}
}

/*
 * An error that fault injection may cause (ENOMEM, or what a failed
 * allocation turns into on the way up) is not a failure of the run.
 */
static bool injected(int err)
{
	return err == ENOMEM || err == EAGAIN || err == ENOSPC || err == EIO ||
	       err == ESTALE || err == EINTR || err == ENOBUFS;
}

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			fprintf(stderr, "# write %s to %s: %s\n", s, path, strerror(errno));
		close(fd);
	}
}

static long long read_ll(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoll(buf) : -1;
}

#define FI_TIMES	1000000000LL

static bool fault_attr(const char *name, bool on)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/probability", name);
	if (access(path, W_OK))
		return false;
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/task-filter", name);
	write_str(path, on ? "Y" : "N");
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/interval", name);
	write_str(path, "1");
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose", name);
	write_str(path, "0");
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/times", name);
	write_str(path, on ? "1000000000" : "1");
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/probability", name);
	write_str(path, on ? "1" : "0");
	return true;
}

static long long fault_injected(const char *name)
{
	char path[128];
	long long left;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/times", name);
	left = read_ll(path);
	return left < 0 ? -1 : FI_TIMES - left;
}

static void worker_init(void)
{
	/* Only the workers get injected faults (task-filter). */
	write_str("/proc/self/make-it-fail", "1");
}

static void churn(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	unsigned long i;
	int fd;

	for (i = 0; !stopping(); i++) {
		snprintf(a, sizeof(a), "%s/c%lu", dir, i % NFILES);
		snprintf(b, sizeof(b), "%s/r%lu", dir, i % NFILES);
		fd = open(a, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (!injected(errno))
				error(K_CHURN, "open %s: %s", a, strerror(errno));
			continue;
		}
		if (write(fd, a, 16) < 0 && !injected(errno))
			error(K_CHURN, "write %s: %s", a, strerror(errno));
		close(fd);
		if (rename(a, b) && !injected(errno))
			error(K_CHURN, "rename %s: %s", a, strerror(errno));
		fd = open(b, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		if (i % 3 == 0)
			unlink(b);
		__sync_fetch_and_add(&sh->ops[K_CHURN], 1);
	}
}

/* Directories removed while walkers look up names under them. */
static void walk(const char *dir)
{
	char d[PATH_MAX], probe[PATH_MAX];
	unsigned long i;
	struct stat st;
	pid_t child;

	snprintf(d, sizeof(d), "%s/%s", dir, __func__);
	snprintf(probe, sizeof(probe), "%s/%s/x", dir, __func__);
	child = fork();
	if (child == 0) {
		while (!stopping())
			stat(probe, &st);
		_exit(0);
	}
	for (i = 0; !stopping(); i++) {
		if (mkdir(d, 0755) && errno != EEXIST && !injected(errno))
			error(K_WALK, "mkdir %s: %s", d, strerror(errno));
		stat(probe, &st);
		if (rmdir(d) && errno != ENOENT && !injected(errno))
			error(K_WALK, "rmdir %s: %s", d, strerror(errno));
		__sync_fetch_and_add(&sh->ops[K_WALK], 1);
	}
	waitpid(child, NULL, 0);
}

static void marks(const char *dir)
{
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int ffd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
	char f[PATH_MAX], buf[4096];
	unsigned long i;
	int wd, dfd;

	if (ifd < 0 || ffd < 0) {
		error(K_MARKS, "inotify_init1/fanotify_init: %s", strerror(errno));
		return;
	}
	/* dnotify events arrive as SIGIO, which would kill us. */
	signal(SIGIO, SIG_IGN);
	for (i = 0; !stopping(); i++) {
		snprintf(f, sizeof(f), "%s/m%lu", dir, i % NFILES);
		close(open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
		wd = inotify_add_watch(ifd, f, IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE_SELF);
		if (wd < 0 && errno != ENOENT && !injected(errno))
			error(K_MARKS, "inotify_add_watch %s: %s", f, strerror(errno));
		if (fanotify_mark(ffd, FAN_MARK_ADD, FAN_MODIFY | FAN_CLOSE_WRITE, AT_FDCWD, f) &&
		    errno != ENOENT && !injected(errno))
			error(K_MARKS, "fanotify_mark %s: %s", f, strerror(errno));
		close(open(f, O_WRONLY | O_TRUNC | O_CLOEXEC));
		if (i % 2) {
			if (wd >= 0)
				inotify_rm_watch(ifd, wd);
			fanotify_mark(ffd, FAN_MARK_REMOVE, FAN_MODIFY | FAN_CLOSE_WRITE,
				      AT_FDCWD, f);
		}
		if (i % 5 == 0)
			unlink(f);	/* a watched inode goes away */
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			if (fcntl(dfd, F_NOTIFY, DN_CREATE | DN_MULTISHOT) && !injected(errno))
				error(K_MARKS, "F_NOTIFY %s: %s", dir, strerror(errno));
			close(dfd);
		}
		while (read(ifd, buf, sizeof(buf)) > 0 || read(ffd, buf, sizeof(buf)) > 0)
			;
		__sync_fetch_and_add(&sh->ops[K_MARKS], 1);
	}
	close(ifd);
	close(ffd);
}

static void locks(const char *dir)
{
	struct flock fl = { .l_whence = SEEK_SET, .l_len = 16 };
	char f[PATH_MAX];
	unsigned long i;
	int fd;

	/* SIGIO from lease breaks is not ours to handle. */
	signal(SIGIO, SIG_IGN);
	for (i = 0; !stopping(); i++) {
		snprintf(f, sizeof(f), "%s/l%lu", dir, i % NFILES);
		fd = open(f, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (!injected(errno))
				error(K_LOCKS, "open %s: %s", f, strerror(errno));
			continue;
		}
		switch (i % 4) {
		case 0:
			if (flock(fd, LOCK_EX) && !injected(errno))
				error(K_LOCKS, "flock %s: %s", f, strerror(errno));
			flock(fd, LOCK_UN);
			break;
		case 1:
			fl.l_type = F_WRLCK;
			if (fcntl(fd, F_SETLK, &fl) && errno != EAGAIN && !injected(errno))
				error(K_LOCKS, "F_SETLK %s: %s", f, strerror(errno));
			fl.l_type = F_UNLCK;
			fcntl(fd, F_SETLK, &fl);
			break;
		case 2:
			fl.l_type = F_WRLCK;
			fl.l_pid = 0;
			if (fcntl(fd, F_OFD_SETLK, &fl) && errno != EAGAIN && !injected(errno))
				error(K_LOCKS, "F_OFD_SETLK %s: %s", f, strerror(errno));
			fl.l_type = F_UNLCK;
			fcntl(fd, F_OFD_SETLK, &fl);
			break;
		case 3:
			close(fd);
			fd = open(f, O_RDONLY | O_CLOEXEC);
			if (fd >= 0 && !fcntl(fd, F_SETLEASE, F_RDLCK))
				fcntl(fd, F_SETLEASE, F_UNLCK);
			break;
		}
		if (fd >= 0)
			close(fd);
		if (i % 7 == 0)
			unlink(f);
		__sync_fetch_and_add(&sh->ops[K_LOCKS], 1);
	}
}

static void drop(void)
{
	while (!stopping()) {
		write_str("/proc/sys/vm/drop_caches", "3");
		__sync_fetch_and_add(&sh->ops[K_DROP], 1);
		usleep(500 * 1000);
	}
}

static void set_devs(struct stress *skel, char **dirs, int ndirs)
{
	int i;

	for (i = 0; i < ndirs && i < 8; i++)
		skel->bss->devs[i] = sb_kdev(dirs[i]);
	skel->bss->on = 1;
}

/* A map freed while its values are live, over and over. */
static void maps(char **dirs, int ndirs)
{
	struct stress *skel;
	int err;

	while (!stopping()) {
		skel = stress__open();
		if (!skel) {
			error(K_MAPS, "open: %s", strerror(errno));
			return;
		}
		bpf_program__set_autoload(skel->progs.t_open, true);
		err = stress__load(skel);
		if (!err)
			err = stress__attach(skel);
		if (err) {
			if (!injected(-err))
				error(K_MAPS, "load/attach: %s", strerror(-err));
		} else {
			set_devs(skel, dirs, ndirs);
			usleep(100 * 1000);
		}
		stress__destroy(skel);
		__sync_fetch_and_add(&sh->ops[K_MAPS], 1);
	}
}

static pid_t spawn(enum kind k, const char *dir, char **dirs, int ndirs)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	/* Not the map cycler: a failed load tells nothing about the container. */
	if (k != K_MAPS)
		worker_init();
	switch (k) {
	case K_CHURN:
		churn(dir);
		break;
	case K_WALK:
		walk(dir);
		break;
	case K_MARKS:
		marks(dir);
		break;
	case K_LOCKS:
		locks(dir);
		break;
	case K_DROP:
		drop();
		break;
	case K_MAPS:
		maps(dirs, ndirs);
		break;
	default:
		break;
	}
	_exit(0);
}

/*
 * Loads what the kernel takes: the tracing programs need CONFIG_INODE_ADDONS,
 * the LSM ones the BPF LSM.  Each is tried alone first; @which gets the
 * names of those that load.
 */
static struct stress *load_main(char *which, size_t len)
{
	static const char *const names[] = {
		"t_open", "t_permission", "t_flock", "t_free", "l_free", "l_permission",
	};
	bool ok[ARRAY_SIZE(names)] = {};
	struct stress *skel;
	unsigned int i;
	bool any = false;

	which[0] = 0;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		skel = stress__open();
		if (!skel)
			return NULL;
		bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj, names[i]),
					  true);
		ok[i] = !stress__load(skel);
		stress__destroy(skel);
		if (ok[i])
			snprintf(which + strlen(which), len - strlen(which), "%s%s",
				 any ? " " : "", names[i]);
		any |= ok[i];
	}
	if (!any)
		return NULL;
	skel = stress__open();
	if (!skel)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj, names[i]),
					  ok[i]);
	if (stress__load(skel) || stress__attach(skel)) {
		stress__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	pid_t pids[NKINDS * MAX_DIRS + 2];
	int secs, ndirs, n = 0, i, k, status, bad = 0;
	long long inj_addons, inj_slab;
	bool fi_addons, fi_slab;
	struct stress *skel;
	char which[128];

	if (argc < 3) {
		fprintf(stderr, "usage: %s SECONDS DIR...\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	secs = atoi(argv[1]);
	ndirs = argc - 2 > MAX_DIRS ? MAX_DIRS : argc - 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;

	skel = load_main(which, sizeof(which));
	if (!skel) {
		printf("stress: FAILED: no BPF program loaded\n");
		return 1;
	}
	set_devs(skel, argv + 2, ndirs);
	printf("# BPF programs: %s\n", which);

	fi_addons = fault_attr("fail_inode_addons", true);
	fi_slab = fault_attr("failslab", true);
	for (i = 0; i < ndirs; i++)
		for (k = K_CHURN; k <= K_LOCKS; k++)
			pids[n++] = spawn(k, argv[2 + i], argv + 2, ndirs);
	pids[n++] = spawn(K_DROP, NULL, NULL, 0);
	pids[n++] = spawn(K_MAPS, NULL, argv + 2, ndirs);

	sleep(secs);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# worker %d did not exit cleanly (status %#x)\n", i, status);
			bad++;
		}
	}
	inj_addons = fi_addons ? fault_injected("fail_inode_addons") : -1;
	inj_slab = fi_slab ? fault_injected("failslab") : -1;
	fault_attr("fail_inode_addons", false);
	fault_attr("failslab", false);
	skel->bss->on = 0;

	printf("# %d s on %d directories\n", secs, ndirs);
	for (k = 0; k < NKINDS; k++) {
		printf("# %-6s %llu operations, %llu unexpected errors%s%s\n", kind_name[k],
		       sh->ops[k], sh->errors[k], sh->errors[k] ? ", first: " : "",
		       sh->first_error[k]);
		if (sh->errors[k] || !sh->ops[k])
			bad++;
	}
	printf("# bpf: %llu values created, %llu found, %llu deleted, ", skel->bss->created,
	       skel->bss->found, skel->bss->deleted);
	printf("%llu kptrs stored, %llu creations refused\n", skel->bss->kptrs,
	       skel->bss->refused);
	printf("# injected failures: fail_inode_addons %lld, failslab %lld\n",
	       inj_addons, inj_slab);
	stress__destroy(skel);
	if (bad)
		printf("stress: FAILED: %d problem(s)\n", bad);
	else
		printf("stress: ok\n");
	return bad ? 1 : 0;
}
