// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_inode_storage_delete() racing with the destruction of the inode's
 * storage.  In RCU path walk, inode_permission() runs on directories that
 * nobody holds a reference on: while walkers look up names under a
 * directory, another thread removes it, and the program attached to the
 * permission check creates and deletes a value on the directory each time.
 * Without the fix, bpf_selem_unlink() loaded a NULL selem->local_storage
 * or selem->smap left by bpf_local_storage_destroy() and the kernel
 * crashed.
 *
 * The test passes if the kernel survives, the program did run on those
 * inodes, and once the filesystem is gone every value has released the
 * reference it holds on the test's task.  A value whose special fields are
 * never freed keeps it: bpf_local_storage_destroy() clearing selem->smap of
 * a value that the program is deleting would do that, and so would a value
 * linked after destroy went past the list head (*_link_vs_destroy, which
 * hold both sides up to open that window), and so would a kptr stored into
 * a value whose fields destroy has already freed.  Enforced on both
 * layouts: the add-on container's, and the BPF LSM blob's.  The value on the
 * filesystem's root, which the program keeps, shows that the count moves.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <test_progs.h>

#include "inode_addons_stats.h"
#include "local_storage_destroy_race.skel.h"

#define RACE_WALKERS	2

struct race {
	char dir[64];		/* a private tmpfs */
	char sub[96];		/* the directory created and removed */
	char probe[128];	/* a name looked up under it */
	bool stop;		/* WRITE_ONCE() by run_race(), READ_ONCE() by walker() */
};

static void *walker(void *arg)
{
	struct race *r = arg;
	struct stat st;

	while (!READ_ONCE(r->stop))
		stat(r->probe, &st);	/* ENOENT, after walking r->sub */
	return NULL;
}

/* The references on the test task that task kptrs hold (rcu_users); -1 on error. */
static int owner_usage(struct local_storage_destroy_race *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.read_owner_usage), &opts);
	if (!ASSERT_OK(err, "read_owner_usage") || !ASSERT_OK(opts.retval, "owner found"))
		return -1;
	return skel->bss->owner_usage;
}

/* Seconds to run each variant: LOCAL_STORAGE_RACE_SECS, default 10. */
static int race_secs(void)
{
	const char *s = getenv("LOCAL_STORAGE_RACE_SECS");

	return s && atoi(s) > 0 ? atoi(s) : 10;
}

/* What run_race() holds up, to widen a window. */
enum race_hold {
	HOLD_NONE,
	HOLD_PUBLICATION,	/* hold_publication: a new container, published */
	HOLD_LINK,		/* hold_link and hold_destroy, with lsm_link or fentry_link */
};

/*
 * must_load: prog must load and attach on this kernel; hold: what to hold
 * up.
 */
static void run_race(struct bpf_program *prog, bool must_load, enum race_hold hold)
{
	struct local_storage_destroy_race *skel;
	pthread_t threads[RACE_WALKERS];
	struct race r = {};
	struct stat st;
	__u64 rounds = 0;
	time_t end;
	int i, err, started = 0, usage0, usage;

	skel = local_storage_destroy_race__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	bpf_program__set_autoload(skel->progs.lsm_permission, false);
	bpf_program__set_autoload(skel->progs.fentry_permission, false);
	bpf_program__set_autoload(skel->progs.fentry_link, false);
	bpf_program__set_autoload(skel->progs.lsm_link, false);
	bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj,
								   bpf_program__name(prog)),
				  true);
	bpf_program__set_autoload(skel->progs.hold_publication, hold == HOLD_PUBLICATION);
	bpf_program__set_autoload(skel->progs.hold_link, hold == HOLD_LINK);
	bpf_program__set_autoload(skel->progs.hold_destroy, hold == HOLD_LINK);
	err = local_storage_destroy_race__load(skel);
	if (err && !must_load) {
		/* No BPF LSM, or inode storage from tracing programs. */
		printf("%s:SKIP: %s does not load (%d)\n", __func__,
		       bpf_program__name(prog), err);
		test__skip();
		goto out;
	}
	if (!ASSERT_OK(err, "load"))
		goto out;
	skel->bss->owner_pid = getpid();
	usage0 = owner_usage(skel);
	if (usage0 < 0)
		goto out;

	strscpy(r.dir, "/tmp/ls_destroy_race.XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(r.dir), "mkdtemp"))
		goto out;
	if (!ASSERT_OK(mount("ls_race", r.dir, "tmpfs", 0, "size=1m"), "mount"))
		goto out_rmdir;
	snprintf(r.sub, sizeof(r.sub), "%s/d", r.dir);
	snprintf(r.probe, sizeof(r.probe), "%s/x", r.sub);
	if (!ASSERT_OK(stat(r.dir, &st), "stat"))
		goto out_umount;
	skel->bss->target_dev = major(st.st_dev) << 20 | minor(st.st_dev);
	/* The root's value stays until the unmount destroys it. */
	skel->bss->keep_ino = st.st_ino;

	err = local_storage_destroy_race__attach(skel);
	if (err && !must_load) {
		/* An LSM program loads, but attaches only with the BPF LSM. */
		printf("%s:SKIP: %s does not attach (%d)\n", __func__,
		       bpf_program__name(prog), err);
		test__skip();
		goto out_umount;
	}
	if (!ASSERT_OK(err, "attach"))
		goto out_umount;

	for (i = 0; i < RACE_WALKERS; i++) {
		if (!ASSERT_OK(pthread_create(&threads[i], NULL, walker, &r), "pthread_create"))
			break;
		started++;
	}
	end = time(NULL) + race_secs();
	while (time(NULL) < end) {
		if (mkdir(r.sub, 0755) && errno != EEXIST)
			break;
		usleep(rounds % 4);	/* vary the phase against the walkers */
		rmdir(r.sub);
		rounds++;
	}
	WRITE_ONCE(r.stop, true);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	local_storage_destroy_race__detach(skel);

	printf("%s: %s: %llu rmdirs, %llu RCU-walk checks (%llu on dying inodes), ", __func__,
	       bpf_program__name(prog), (unsigned long long)rounds,
	       (unsigned long long)skel->bss->walks, (unsigned long long)skel->bss->dying);
	printf("%llu values created, %llu deleted, %llu publications, ",
	       (unsigned long long)skel->bss->creates, (unsigned long long)skel->bss->deletes,
	       (unsigned long long)skel->bss->delays);
	printf("%llu links and %llu destroys held up\n",
	       (unsigned long long)skel->bss->links_held,
	       (unsigned long long)skel->bss->destroys_held);
	if (!must_load && !skel->bss->walks) {
		/* Attached, never called: the BPF LSM is not in lsm=. */
		printf("%s:SKIP: %s never ran (BPF LSM inactive?)\n", __func__,
		       bpf_program__name(prog));
		test__skip();
		goto out_umount;
	}
	ASSERT_GT(rounds, 100, "rmdir rounds");
	ASSERT_GT(skel->bss->walks, 0, "RCU-walk permission checks");
	ASSERT_GT(skel->bss->creates, 0, "values created");
	if (hold == HOLD_LINK)
		ASSERT_GT(skel->bss->links_held, 0, "creations held up");
	else
		ASSERT_GT(skel->bss->deletes, 0, "values deleted");
	if (hold == HOLD_PUBLICATION)
		ASSERT_GT(skel->bss->delays, 0, "publications held up");

	/*
	 * The values left on live inodes go with the filesystem, those the
	 * program deleted after an RCU Tasks Trace grace period, and with
	 * CONFIG_INODE_ADDONS destruction itself waits for RCU: poll.
	 */
	usage = owner_usage(skel);
	ASSERT_GT(usage, usage0, "the root's value holds a task reference");
	if (!ASSERT_OK(umount(r.dir), "umount"))
		goto out_umount;
	for (i = 0; i < 100; i++) {
		usage = owner_usage(skel);
		if (usage <= usage0)
			break;
		kern_sync_rcu();
		usleep(100000);
	}
	printf("%s: %s: task references %d before, %d after\n", __func__,
	       bpf_program__name(prog), usage0, usage);
	ASSERT_EQ(usage, usage0, "task references held by freed values");
	goto out_rmdir;
out_umount:
	umount2(r.dir, MNT_DETACH);
out_rmdir:
	rmdir(r.dir);
out:
	local_storage_destroy_race__destroy(skel);
}

void test_local_storage_destroy_race(void)
{
	const char *track = "inode_addons_kmemleak_track";
	struct local_storage_destroy_race *skel;
	bool addons;

	/* Only for the program names: each subtest loads its own object. */
	skel = local_storage_destroy_race__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	addons = !access(ADDONS_STATS, F_OK);
	if (test__start_subtest("lsm_inode_permission"))
		run_race(skel->progs.lsm_permission, false, HOLD_NONE);
	/*
	 * Tracing programs may use inode storage with CONFIG_INODE_ADDONS,
	 * whose statistics are in debugfs: it must load there.
	 */
	if (test__start_subtest("fentry_inode_permission"))
		run_race(skel->progs.fentry_permission, addons, HOLD_NONE);
	/*
	 * The same, with each container the program creates held up between
	 * its publication and its queueing for kmemleak: the directory's
	 * eviction retires it in that window, and must not call_rcu() it
	 * before it is registered.  Needs kmemleak.
	 */
	if (test__start_subtest("fentry_publish_vs_evict")) {
		if (libbpf_find_vmlinux_btf_id(track, BPF_TRACE_FENTRY) < 0) {
			printf("%s:SKIP: no %s (kmemleak, CONFIG_INODE_ADDONS)\n",
			       __func__, track);
			test__skip();
		} else {
			run_race(skel->progs.fentry_permission, true, HOLD_PUBLICATION);
		}
	}
	/*
	 * A value linked while the directory's storage is being destroyed:
	 * the creation is held up after its "not being evicted" test, the
	 * destruction after it read the list head.  The value must not
	 * outlive the filesystem (its task reference says so).  From an LSM
	 * program, on either layout, and from a tracing program.
	 */
	if (test__start_subtest("lsm_link_vs_destroy"))
		run_race(skel->progs.lsm_link, false, HOLD_LINK);
	if (test__start_subtest("fentry_link_vs_destroy")) {
		if (!addons) {
			printf("%s:SKIP: tracing programs use inode storage ", __func__);
			printf("only with CONFIG_INODE_ADDONS\n");
			test__skip();
		} else {
			run_race(skel->progs.fentry_link, true, HOLD_LINK);
		}
	}
	local_storage_destroy_race__destroy(skel);
}
