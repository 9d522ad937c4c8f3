// SPDX-License-Identifier: GPL-2.0
/*
 * With CONFIG_INODE_ADDONS, BPF inode storage lives in the inode's lazily
 * allocated add-on container.  These tests create storage where an inode
 * dies without the usual teardown, and check with the container's exact
 * counters (/sys/kernel/debug/inode_addons/stats) that every container
 * made is freed:
 *
 * - init_failure: an LSM program on inode_alloc_security creates storage
 *   and fails the allocation (alloc_inode() frees the inode without
 *   __destroy_inode());
 * - before_init: a tracing program creates storage on new inodes before
 *   inode_init_always() initialises them;
 * - xfs_recycle: XFS inodes that carry a lock context, an fsnotify mark
 *   connector and BPF storage are evicted and brought back from XFS's
 *   reclaimable state (xfs_iget_recycle: __destroy_inode(), then
 *   inode_init_always() on the same memory), over and over.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <test_progs.h>

#include "inode_addons_stats.h"
#include "inode_storage_teardown.skel.h"

#define INIT_FAILURES	50	/* creations refused by the LSM program */
#define NEW_FILES	500	/* new inodes, of which some fresh from the slab */
#define SLACK		2	/* containers that other tasks may make or free */

static void run(struct bpf_program *prog, bool creations_fail)
{
	const int files = creations_fail ? INIT_FAILURES : NEW_FILES;
	struct inode_storage_teardown *skel;
	char dir[64], path[96];
	long long live0, live1, live2;
	int i, fd, failed = 0;
	struct stat st;

	skel = inode_storage_teardown__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj,
								   bpf_program__name(prog)),
				  true);
	if (creations_fail && inode_storage_teardown__load(skel)) {
		/* LSM programs need the BPF LSM in lsm=. */
		printf("%s:SKIP: %s does not load (no BPF LSM?)\n", __func__,
		       bpf_program__name(prog));
		test__skip();
		goto out;
	}
	if (!creations_fail && !ASSERT_OK(inode_storage_teardown__load(skel), "load"))
		goto out;

	strscpy(dir, "/tmp/inode_teardown.XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		goto out;
	if (!ASSERT_OK(mount("inode_teardown", dir, "tmpfs", 0, "size=1m"), "mount"))
		goto out_rmdir;
	if (!ASSERT_OK(stat(dir, &st), "stat"))
		goto out_umount;

	live0 = settle(-1);
	skel->bss->target_dev = major(st.st_dev) << 20 | minor(st.st_dev);
	if (creations_fail && inode_storage_teardown__attach(skel)) {
		/* An LSM program loads, but attaches only with the BPF LSM. */
		printf("%s:SKIP: %s does not attach (no BPF LSM?)\n", __func__,
		       bpf_program__name(prog));
		test__skip();
		goto out_umount;
	}
	if (!creations_fail && !ASSERT_OK(inode_storage_teardown__attach(skel), "attach"))
		goto out_umount;
	for (i = 0; i < files; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			failed++;
		else
			close(fd);
	}
	inode_storage_teardown__detach(skel);
	live1 = addons_live();

	for (i = 0; i < files; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
	live2 = settle(live0 + SLACK);
	printf("%s: %s: %d files, %d creations failed, %llu values created; "
	       "live containers %lld before, %lld after the creations, %lld at the end\n",
	       __func__, bpf_program__name(prog), files, failed,
	       (unsigned long long)skel->bss->created, live0, live1, live2);
	if (creations_fail && !skel->bss->runs && !failed) {
		/* Attached, never called: the BPF LSM is not in lsm=. */
		printf("%s:SKIP: %s never ran (BPF LSM inactive?)\n", __func__,
		       bpf_program__name(prog));
		test__skip();
		goto out_umount;
	}
	ASSERT_EQ(failed, creations_fail ? files : 0, "failed creations");
	/*
	 * Every refused creation made a value.  Before initialisation, only
	 * fresh slab objects can get one: a reused inode still carries the
	 * I_FREEING of its previous life and the read-only dead container.
	 */
	if (creations_fail)
		ASSERT_GE(skel->bss->created, files, "values created");
	else
		ASSERT_GT(skel->bss->created, 0, "values created on fresh inodes");
	ASSERT_LE(live2, live0 + SLACK, "live containers back to the start");
out_umount:
	umount2(dir, MNT_DETACH);
out_rmdir:
	rmdir(dir);
out:
	inode_storage_teardown__destroy(skel);
}

#define XFS_FILES	64
#define XFS_ROUNDS	20

/* Opens (BPF storage), flocks (lock context) and watches (connector) @path. */
static int dress(const char *path, int ifd)
{
	int fd, wd, err = 0;

	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) || flock(fd, LOCK_UN))
		err = -errno;
	wd = inotify_add_watch(ifd, path, IN_MODIFY);
	if (wd < 0)
		err = -errno;
	else
		inotify_rm_watch(ifd, wd);
	close(fd);
	return err;
}

/*
 * Looks the files up again and again, until killed: lookups that come
 * between an inode's eviction and its reclaim recycle it.
 */
static pid_t start_lookups(const char *dir)
{
	char path[128];
	struct stat st;
	pid_t pid;
	int i;

	pid = fork();
	if (pid)
		return pid;
	for (;;)
		for (i = 0; i < XFS_FILES; i++) {
			snprintf(path, sizeof(path), "%s/f%d", dir, i);
			stat(path, &st);
		}
}

static void test_xfs_recycle(void)
{
	char dir[64], img[80], cmd[512], path[128];
	struct inode_storage_teardown *skel;
	long long live0, live1 = -1, live2;
	int i, round, ifd, bad = 0;
	pid_t looker;
	struct stat st;

	skel = inode_storage_teardown__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	bpf_program__set_autoload(skel->progs.on_open, true);
	bpf_program__set_autoload(skel->progs.on_recycle, true);
	if (!ASSERT_OK(inode_storage_teardown__load(skel), "load"))
		goto out;

	strscpy(dir, "/tmp/inode_teardown_xfs.XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		goto out;
	snprintf(img, sizeof(img), "%s.img", dir);
	live0 = settle(-1);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 320M %s && mkfs.xfs -q -f %s && mount -o loop %s %s",
		 img, img, img, dir);
	if (system(cmd)) {
		printf("%s:SKIP: cannot make and mount an XFS image (%s)\n", __func__, cmd);
		test__skip();
		goto out_rmdir;
	}
	if (!ASSERT_OK(stat(dir, &st), "stat"))
		goto out_umount;
	skel->bss->target_dev = major(st.st_dev) << 20 | minor(st.st_dev);
	if (!ASSERT_OK(inode_storage_teardown__attach(skel), "attach"))
		goto out_umount;
	ifd = inotify_init1(IN_CLOEXEC);
	if (!ASSERT_GE(ifd, 0, "inotify_init1"))
		goto out_umount;

	for (round = 0; round < XFS_ROUNDS; round++) {
		for (i = 0; i < XFS_FILES; i++) {
			snprintf(path, sizeof(path), "%s/f%d", dir, i);
			bad += dress(path, ifd) != 0;
		}
		/*
		 * Evicts the inodes: XFS keeps them, torn down, as reclaimable
		 * until its reclaim runs (drop_caches runs it too); lookups
		 * made meanwhile, and the next round's, recycle them.
		 */
		sync();
		looker = start_lookups(dir);
		bad += looker < 0;
		bad += system("echo 2 > /proc/sys/vm/drop_caches") != 0;
		if (looker > 0) {
			kill(looker, SIGKILL);
			waitpid(looker, NULL, 0);
		}
	}
	close(ifd);
	inode_storage_teardown__detach(skel);
	live1 = addons_live();
out_umount:
	umount2(dir, 0);
	live2 = settle(live0 + SLACK);
	printf("%s: %d rounds x %d files: %llu values created, %llu inodes recycled; "
	       "live containers %lld before, %lld in the last round, %lld after unmount\n",
	       __func__, XFS_ROUNDS, XFS_FILES, (unsigned long long)skel->bss->created,
	       (unsigned long long)skel->bss->recycles, live0, live1, live2);
	ASSERT_EQ(bad, 0, "open, flock, inotify, drop_caches");
	ASSERT_GT(skel->bss->recycles, 0, "xfs_iget_recycle events");
	ASSERT_GE(skel->bss->created, XFS_ROUNDS * XFS_FILES, "values created");
	ASSERT_LE(live2, live0 + SLACK, "live containers back to the start");
out_rmdir:
	rmdir(dir);
	unlink(img);
out:
	inode_storage_teardown__destroy(skel);
}

void test_inode_storage_teardown(void)
{
	struct inode_storage_teardown *skel;

	if (access(ADDONS_STATS, R_OK)) {
		printf("%s:SKIP: no %s (CONFIG_INODE_ADDONS=n)\n", __func__, ADDONS_STATS);
		test__skip();
		return;
	}
	skel = inode_storage_teardown__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	if (test__start_subtest("init_failure"))
		run(skel->progs.deny_alloc, true);
	if (test__start_subtest("before_init"))
		run(skel->progs.before_init, false);
	if (test__start_subtest("xfs_recycle"))
		test_xfs_recycle();
	inode_storage_teardown__destroy(skel);
}
