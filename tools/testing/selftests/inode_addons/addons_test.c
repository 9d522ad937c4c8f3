// SPDX-License-Identifier: GPL-2.0
/*
 * Small userspace checks of file locking and fsnotify for the in-guest
 * tests, where no standard tool covers the case.  Each subcommand exits 0
 * when the behaviour is as the kernel documents it, 1 otherwise.
 *
 *   addons_test posix FILE      POSIX lock conflict between processes, F_GETLK
 *   addons_test ofd FILE        OFD locks conflict between open file descriptions
 *   addons_test lease FILE      a write lease broken by another process's open
 *   addons_test fanotify DIR    inode, mount and filesystem marks; a permission
 *                               event answered by us
 *   addons_test dnotify DIR     DN_CREATE on a directory
 *   addons_test ignored FILE    IN_DELETE_SELF then IN_IGNORED when the
 *                               watched inode goes
 *   addons_test futex DIR       shared futexes keyed by inode: a wake reaches
 *                               a waiter of the same file, not of another
 *   addons_test futex-keys FILE...  one FUTEX_WAKE on each file's mapping
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAIL(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)

static int open_file(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT, 0644);

	if (fd < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int test_posix(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open_file(path, O_RDWR), status, pipefd[2];
	pid_t child;
	char c;

	if (fcntl(fd, F_SETLK, &fl))
		FAIL("F_SETLK: %s", strerror(errno));
	if (pipe(pipefd))
		FAIL("pipe");
	child = fork();
	if (!child) {
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int cfd = open_file(path, O_RDWR);

		if (fcntl(cfd, F_SETLK, &q) == 0 || (errno != EAGAIN && errno != EACCES))
			_exit(2);	/* must conflict */
		if (fcntl(cfd, F_GETLK, &q) || q.l_type != F_WRLCK || q.l_pid != getppid())
			_exit(3);	/* F_GETLK names the holder */
		if (write(pipefd[1], "x", 1) != 1)
			_exit(4);
		/* Blocks until the parent unlocks. */
		q.l_type = F_WRLCK;
		if (fcntl(cfd, F_SETLKW, &q))
			_exit(5);
		_exit(0);
	}
	if (read(pipefd[0], &c, 1) != 1)
		FAIL("child did not check the conflict");
	fl.l_type = F_UNLCK;
	if (fcntl(fd, F_SETLK, &fl))
		FAIL("unlock: %s", strerror(errno));
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		FAIL("child failed with status %d", WEXITSTATUS(status));
	return 0;
}

static int test_ofd(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int a = open_file(path, O_RDWR), b = open_file(path, O_RDWR);

	if (fcntl(a, F_OFD_SETLK, &fl))
		FAIL("F_OFD_SETLK: %s", strerror(errno));
	/* Same process, other open file description: conflicts. */
	if (fcntl(b, F_OFD_SETLK, &fl) == 0 || (errno != EAGAIN && errno != EACCES))
		FAIL("second OFD lock did not conflict");
	fl.l_type = F_WRLCK;
	if (fcntl(b, F_OFD_GETLK, &fl) || fl.l_type != F_WRLCK || fl.l_pid != -1)
		FAIL("F_OFD_GETLK: type %d pid %d", fl.l_type, fl.l_pid);
	close(a);	/* releases the OFD lock */
	fl.l_type = F_WRLCK;
	fl.l_pid = 0;
	if (fcntl(b, F_OFD_SETLK, &fl))
		FAIL("OFD lock after release: %s", strerror(errno));
	return 0;
}

static volatile sig_atomic_t lease_broken;

static void on_sigio(int sig)
{
	lease_broken = 1;
}

static int test_lease(const char *path)
{
	int fd, status, i;
	pid_t child;

	close(open_file(path, O_RDWR));
	fd = open(path, O_RDONLY);
	signal(SIGIO, on_sigio);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK))
		FAIL("F_SETLEASE F_WRLCK: %s", strerror(errno));
	if (fcntl(fd, F_GETLEASE) != F_WRLCK)
		FAIL("F_GETLEASE did not report the write lease");
	child = fork();
	if (!child) {
		/* Breaks the lease; blocks until the holder gives it up. */
		int cfd = open(path, O_RDWR);

		_exit(cfd < 0 ? 1 : 0);
	}
	for (i = 0; i < 100 && !lease_broken; i++)
		usleep(50000);
	if (!lease_broken)
		FAIL("no SIGIO: the lease was not broken");
	if (fcntl(fd, F_SETLEASE, F_UNLCK))
		FAIL("F_SETLEASE F_UNLCK: %s", strerror(errno));
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		FAIL("the breaking open failed");
	return 0;
}

/* Reads events until one with @mask arrives; answers permission events. */
static int fan_expect(int fan, unsigned long long mask, int allow)
{
	char buf[4096];
	int tries;

	for (tries = 0; tries < 50; tries++) {
		ssize_t len = read(fan, buf, sizeof(buf));
		struct fanotify_event_metadata *m = (void *)buf;

		if (len < 0 && errno == EAGAIN) {
			usleep(20000);
			continue;
		}
		if (len <= 0)
			FAIL("fanotify read: %s", strerror(errno));
		for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
			int hit = !!(m->mask & mask);

			if (m->mask & FAN_OPEN_PERM) {
				struct fanotify_response r = {
					.fd = m->fd,
					.response = allow ? FAN_ALLOW : FAN_DENY,
				};
				if (write(fan, &r, sizeof(r)) != sizeof(r))
					FAIL("fanotify response: %s", strerror(errno));
			}
			if (m->fd >= 0)
				close(m->fd);
			if (hit)
				return 0;
		}
	}
	FAIL("no fanotify event 0x%llx", mask);
}

static int touch_file(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, "x", 1) != 1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int test_fanotify(const char *dir)
{
	unsigned int types[] = { FAN_MARK_INODE, FAN_MARK_MOUNT, FAN_MARK_FILESYSTEM };
	static const char * const names[] = { "inode", "mount", "filesystem" };
	char path[4096];
	pid_t child;
	int status, fan, i;

	for (i = 0; i < 3; i++) {
		fan = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
		if (fan < 0)
			FAIL("fanotify_init: %s", strerror(errno));
		snprintf(path, sizeof(path), "%s/fan-%s", dir, names[i]);
		if (touch_file(dir, strrchr(path, '/') + 1))
			FAIL("create %s", path);
		if (fanotify_mark(fan, FAN_MARK_ADD | types[i], FAN_CLOSE_WRITE,
				  AT_FDCWD, types[i] == FAN_MARK_INODE ? path : dir))
			FAIL("fanotify_mark %s: %s", names[i], strerror(errno));
		if (touch_file(dir, strrchr(path, '/') + 1))
			FAIL("write %s", path);
		if (fan_expect(fan, FAN_CLOSE_WRITE, 1))
			FAIL("%s mark: no FAN_CLOSE_WRITE", names[i]);
		close(fan);
	}

	/* Permission event: deny the first open, allow the second. */
	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_NONBLOCK, O_RDONLY);
	if (fan < 0)
		FAIL("fanotify_init content: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/fan-perm", dir);
	if (touch_file(dir, "fan-perm"))
		FAIL("create %s", path);
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, path))
		FAIL("fanotify_mark perm: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		child = fork();
		if (!child) {
			int fd = open(path, O_RDONLY);

			_exit(fd < 0 ? (errno == EPERM ? 10 : 11) : 0);
		}
		if (fan_expect(fan, FAN_OPEN_PERM, i))
			return 1;
		waitpid(child, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != (i ? 0 : 10))
			FAIL("open after %s: status %d", i ? "allow" : "deny",
			     WEXITSTATUS(status));
	}
	close(fan);
	return 0;
}

static volatile sig_atomic_t dnotified;

static void on_dnotify(int sig, siginfo_t *si, void *ctx)
{
	dnotified = 1;
}

static int test_dnotify(const char *dir)
{
	struct sigaction sa = { .sa_sigaction = on_dnotify, .sa_flags = SA_SIGINFO };
	int fd = open(dir, O_RDONLY | O_DIRECTORY), i;

	sigaction(SIGRTMIN + 1, &sa, NULL);
	if (fd < 0 || fcntl(fd, F_SETSIG, SIGRTMIN + 1) ||
	    fcntl(fd, F_NOTIFY, DN_CREATE | DN_MULTISHOT))
		FAIL("F_NOTIFY: %s", strerror(errno));
	if (touch_file(dir, "dnotify-new"))
		FAIL("create in %s", dir);
	for (i = 0; i < 100 && !dnotified; i++)
		usleep(20000);
	if (!dnotified)
		FAIL("no dnotify signal for DN_CREATE");
	close(fd);
	return 0;
}

static int test_ignored(const char *path)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int in = inotify_init1(IN_NONBLOCK), wd, tries, seen_delete = 0;

	close(open_file(path, O_RDWR));
	if (in < 0)
		FAIL("inotify_init1: %s", strerror(errno));
	wd = inotify_add_watch(in, path, IN_DELETE_SELF);
	if (wd < 0)
		FAIL("inotify_add_watch: %s", strerror(errno));
	if (unlink(path))
		FAIL("unlink: %s", strerror(errno));
	for (tries = 0; tries < 100; tries++) {
		ssize_t len = read(in, buf, sizeof(buf));
		char *p;

		if (len < 0 && errno == EAGAIN) {
			usleep(20000);
			continue;
		}
		if (len <= 0)
			FAIL("inotify read: %s", strerror(errno));
		for (p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->wd == wd && (e->mask & IN_DELETE_SELF))
				seen_delete = 1;
			if (e->wd == wd && (e->mask & IN_IGNORED)) {
				if (!seen_delete)
					FAIL("IN_IGNORED before IN_DELETE_SELF");
				return 0;
			}
			p += sizeof(*e) + e->len;
		}
	}
	FAIL("no IN_IGNORED after the inode went (IN_DELETE_SELF %s)",
	     seen_delete ? "seen" : "not seen");
}

/*
 * flock FILE...: takes and drops an exclusive flock() on each file, as
 * flock(1) would, in one process: the first lock on each inode creates
 * its lock context, which stays until the inode is evicted.
 */
static int test_flock_each(int n, char **paths)
{
	int i, fd;

	for (i = 0; i < n; i++) {
		fd = open(paths[i], O_RDONLY);
		if (fd < 0)
			FAIL("open %s: %s", paths[i], strerror(errno));
		if (flock(fd, LOCK_EX))
			FAIL("flock %s: %s", paths[i], strerror(errno));
		close(fd);
	}
	return 0;
}

static long futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* A word of PATH, 4 KiB long, mapped shared at a new address. */
static uint32_t *map_word(const char *path)
{
	int fd = open_file(path, O_RDWR);
	void *p;

	if (ftruncate(fd, 4096)) {
		perror(path);
		exit(1);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror(path);
		exit(1);
	}
	close(fd);
	return p;
}

/* The state letter of /proc/PID/stat. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * futex DIR: a child waits on the first word of DIR/futex-a, mapped shared
 * (a key by inode, since the mapping is not private).  Once it sleeps, a
 * wake on the same offset of DIR/futex-b wakes nobody, and a wake through a
 * second mapping of futex-a (another address: the key is the inode and the
 * offset) wakes it.
 */
static int test_futex(const char *dir)
{
	char a[4096], b[4096];
	uint32_t *wa, *wa2, *wb;
	int i, status;
	long woken = 0;
	pid_t child;

	snprintf(a, sizeof(a), "%s/futex-a", dir);
	snprintf(b, sizeof(b), "%s/futex-b", dir);
	wa = map_word(a);
	wa2 = map_word(a);
	wb = map_word(b);
	if (wa == wa2)
		FAIL("two mappings of %s at one address", a);
	child = fork();
	if (!child) {
		/* The word stays 0: only a wake ends the wait. */
		while (futex(wa, FUTEX_WAIT, 0)) {
			if (errno != EINTR)
				_exit(2);
		}
		_exit(0);
	}
	/* Up to 120 s for the child to go to sleep on a loaded TCG guest. */
	for (i = 0; i < 12000 && !woken; i++) {
		usleep(10000);
		if (proc_state(child) != 'S')
			continue;
		if (futex(wb, FUTEX_WAKE, 1) != 0)
			FAIL("a wake on %s woke a waiter of %s", b, a);
		woken = futex(wa2, FUTEX_WAKE, 1);
		if (woken < 0)
			FAIL("FUTEX_WAKE: %s", strerror(errno));
	}
	if (!woken) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		FAIL("the waiter on %s was never woken through another mapping", a);
	}
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		FAIL("the waiter failed with status 0x%x", status);
	return 0;
}

/*
 * futex-keys FILE...: one FUTEX_WAKE on the first word of each file, mapped
 * shared; there is no waiter, but the key is computed, which gives the
 * inode its futex sequence number.
 */
static int test_futex_keys(int n, char **paths)
{
	uint32_t *w;
	int i;

	for (i = 0; i < n; i++) {
		w = map_word(paths[i]);
		if (futex(w, FUTEX_WAKE, 1) != 0)
			FAIL("FUTEX_WAKE on %s: %s", paths[i], strerror(errno));
		munmap(w, 4096);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "flock"))
		return test_flock_each(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "futex-keys"))
		return test_futex_keys(argc - 2, argv + 2);
	if (argc != 3) {
		fprintf(stderr,
			"usage: %s posix|ofd|lease|fanotify|dnotify|ignored PATH\n"
			"       %s futex DIR\n"
			"       %s flock|futex-keys FILE...\n", argv[0], argv[0], argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "posix"))
		return test_posix(argv[2]);
	if (!strcmp(argv[1], "ofd"))
		return test_ofd(argv[2]);
	if (!strcmp(argv[1], "lease"))
		return test_lease(argv[2]);
	if (!strcmp(argv[1], "fanotify"))
		return test_fanotify(argv[2]);
	if (!strcmp(argv[1], "dnotify"))
		return test_dnotify(argv[2]);
	if (!strcmp(argv[1], "ignored"))
		return test_ignored(argv[2]);
	if (!strcmp(argv[1], "futex"))
		return test_futex(argv[2]);
	fprintf(stderr, "unknown test %s\n", argv[1]);
	return 2;
}
