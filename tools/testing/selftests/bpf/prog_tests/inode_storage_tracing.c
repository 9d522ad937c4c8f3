// SPDX-License-Identifier: GPL-2.0
/*
 * BPF inode-local storage from tracing programs (fentry, fexit, tp_btf) and
 * LSM programs, through the helpers bpf_inode_storage_get/delete() and the
 * kfuncs bpf_inode_storage_lookup/remove() and bpf_inode_addons(); the
 * programs are in progs/inode_storage_tracing.c.  The subtests work in the
 * directory INODE_STORAGE_TEST_DIR names, on the filesystem under test
 * (the workbench runs them on tmpfs, ext4, XFS and btrfs), or else on a
 * private tmpfs; the programs only act on the inode a subtest selects.
 *
 * - helper_{fentry,fexit,lsm,lsm_sleepable,tp_btf}, kfunc_{lsm,tp_btf}:
 *   on a new file there is no value; two triggers (open, or flock for
 *   tp_btf) that create-or-get give one value whose counter for that
 *   program is 2 and every other counter 0; delete gives 0 and the value
 *   is gone; a second delete gives -ENOENT.  For the kfuncs,
 *   bpf_inode_addons() has no BPF_STORAGE before the creation, CONTAINER
 *   and BPF_STORAGE after it, CONTAINER but no BPF_STORAGE after the
 *   removal, and FLCTX inside flock_lock_inode.
 * - helper_null_inode: at fentry/security_inode_create the new dentry is
 *   negative; get with F_CREATE on its NULL inode gives NULL, delete
 *   -EINVAL.
 * - cross_fentry_writes: fentry (helper) writes a value that fexit
 *   (helper), LSM (kfunc) in the same open, tp_btf (kfunc) at flock and
 *   user space read.  cross_userspace_writes: what user space creates and
 *   updates through the map is what the LSM and fentry programs (helper)
 *   read.  cross_kfunc_writes: tp_btf (kfunc) writes at flock, fentry
 *   (helper) reads; LSM (kfunc) writes, fexit (helper) reads in the same
 *   open.
 * - evict_frees_storage: values made by fentry on 64 new files of a fresh
 *   tmpfs come with as many add-on containers; after the files are gone the
 *   live container count (/sys/kernel/debug/inode_addons/stats) is back.
 * - concurrent_create: processes released together open the same new file;
 *   fentry creates-or-gets and counts: every run counted into one value.
 * - reject_unprivileged: as nobody without capabilities, loading the
 *   programs and creating an inode storage map fail with EPERM.
 *
 * Kernels: tracing programs may use inode storage, and the kfuncs exist,
 * only with CONFIG_INODE_ADDONS (told by the kfuncs in vmlinux BTF); LSM
 * programs only run with the BPF LSM active, and without
 * CONFIG_INODE_ADDONS inode storage maps need it too.  A subtest that needs
 * what the kernel lacks is skipped and says why.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/capability.h>
#include <test_progs.h>

#include "inode_addons_stats.h"
#include "inode_storage_tracing.skel.h"
#include "progs/inode_storage_tracing.h"

#define PROG(p)		(1u << (p))	/* a set of programs, by IST_* index */

/* include/uapi/linux/lsm.h and the syscall table, for older headers */
#define IST_LSM_ID_BPF	109
#ifndef __NR_lsm_list_modules
#define __NR_lsm_list_modules 461
#endif

/*
 * enum inode_addons_bits (include/linux/inode_addons.h), the kfunc's ABI:
 * bits 0, 1 and 3.
 */
#define ADDONS_CONTAINER	0x1u
#define ADDONS_FLCTX		0x2u
#define ADDONS_BPF_STORAGE	0x8u

static const struct {
	const char *name;	/* in the skeleton */
	bool lsm;		/* an LSM program: runs with the BPF LSM only */
	bool tracing;		/* a tracing program using inode storage */
	bool kfunc;		/* calls the inode storage kfuncs */
	bool flock;		/* triggered by flock(2), else by open(2) */
} progs[IST_ALL_PROGS] = {
	[IST_FENTRY] = { "h_fentry", .tracing = true },
	[IST_FEXIT]  = { "h_fexit", .tracing = true },
	[IST_LSM]    = { "h_lsm", .lsm = true },
	[IST_LSM_S]  = { "h_lsm_s", .lsm = true },
	[IST_TP]     = { "h_tp", .tracing = true, .flock = true },
	[IST_KF_LSM] = { "k_lsm", .lsm = true, .kfunc = true },
	[IST_KF_TP]  = { "k_tp", .tracing = true, .kfunc = true, .flock = true },
	[IST_NULL]   = { "h_null", .tracing = true },
};

/* What the running kernel offers, and where the subtests work. */
static struct {
	bool kfuncs;		/* the kfuncs are in vmlinux BTF: CONFIG_INODE_ADDONS */
	bool stats;		/* ADDONS_STATS is readable */
	int bpf_lsm;		/* the BPF LSM is active: 1, is not: 0, unknown: -1 */
	bool own_tmpfs;		/* dir is a tmpfs mounted by the test */
	__u32 dev;		/* dir's superblock's device, kernel encoding */
	char dir[256];
} ist;

/* Whether the BPF LSM is among the active LSMs: 1, 0, or -1 if unknown. */
static int bpf_lsm_active(void)
{
	__u64 ids[64];
	__u32 size = sizeof(ids);
	long n, i;

	n = syscall(__NR_lsm_list_modules, ids, &size, 0);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (ids[i] == IST_LSM_ID_BPF)
			return 1;
	return 0;
}

static __u32 kdev(dev_t dev)
{
	return major(dev) << 20 | minor(dev);
}

/*
 * The device of the superblock @path is on, as the programs see it in
 * inode->i_sb->s_dev.  Not stat(2)'s st_dev, which is a btrfs subvolume's
 * anonymous device: the device on the line of @path's mount in
 * /proc/self/mountinfo.  0 if not found.
 */
static __u32 sb_kdev(const char *path)
{
	unsigned int id, maj, min;
	struct statx stx;
	char line[4096];
	__u32 dev = 0;
	FILE *f;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) || !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %*u %u:%u", &id, &maj, &min) == 3 && id == stx.stx_mnt_id) {
			dev = maj << 20 | min;
			break;
		}
	}
	fclose(f);
	return dev;
}

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

/* Why this kernel cannot run program @p, or NULL. */
static const char *unsupported(int p)
{
	if (progs[p].kfunc && !ist.kfuncs)
		return "no inode storage kfuncs in vmlinux BTF (CONFIG_INODE_ADDONS=n)";
	if (progs[p].tracing && !ist.kfuncs)
		return "tracing programs cannot use inode storage without CONFIG_INODE_ADDONS";
	if (progs[p].lsm && !ist.bpf_lsm)
		return "the BPF LSM is not active (lsm= lacks bpf)";
	return NULL;
}

static bool supported(int p)
{
	return !unsupported(p);
}

struct fixture {
	struct inode_storage_tracing *skel;
	struct bpf_link *links[IST_ALL_PROGS];
	int store_fd;
};

static struct bpf_program *skel_prog(struct inode_storage_tracing *skel, int p)
{
	return bpf_object__find_program_by_name(skel->obj, progs[p].name);
}

static void teardown(struct fixture *fx)
{
	int p;

	for (p = 0; p < IST_ALL_PROGS; p++)
		bpf_link__destroy(fx->links[p]);
	inode_storage_tracing__destroy(fx->skel);
	memset(fx, 0, sizeof(*fx));
}

/*
 * Loads and attaches the programs of @mask (PROG(IST_*) bits).
 * Skips the subtest, saying why, if the kernel cannot run one of them.
 */
static bool setup(struct fixture *fx, unsigned int mask)
{
	const char *why;
	int p, err;

	memset(fx, 0, sizeof(*fx));
	for (p = 0; p < IST_ALL_PROGS; p++) {
		why = mask & PROG(p) ? unsupported(p) : NULL;
		if (why) {
			printf("%s:SKIP: %s: %s\n", __func__, progs[p].name, why);
			test__skip();
			return false;
		}
	}
	fx->skel = inode_storage_tracing__open();
	if (!ASSERT_OK_PTR(fx->skel, "open"))
		return false;
	for (p = 0; p < IST_ALL_PROGS; p++)
		if (mask & PROG(p))
			bpf_program__set_autoload(skel_prog(fx->skel, p), true);
	err = inode_storage_tracing__load(fx->skel);
	if (err == -EOPNOTSUPP && !ist.kfuncs && ist.bpf_lsm < 0) {
		/* CONFIG_INODE_ADDONS=n: inode storage maps need the BPF LSM. */
		printf("%s:SKIP: no inode storage maps: CONFIG_INODE_ADDONS=n and no BPF LSM?\n",
		       __func__);
		test__skip();
		goto fail;
	}
	if (!ASSERT_OK(err, "load"))
		goto fail;
	if (!ASSERT_EQ(bpf_map__value_size(fx->skel->maps.store), sizeof(struct ist_val),
		       "value size"))
		goto fail;
	for (p = 0; p < IST_ALL_PROGS; p++) {
		if (!(mask & PROG(p)))
			continue;
		fx->links[p] = bpf_program__attach(skel_prog(fx->skel, p));
		if (!fx->links[p] && progs[p].lsm && ist.bpf_lsm < 0) {
			printf("%s:SKIP: %s does not attach (no BPF LSM?)\n", __func__,
			       progs[p].name);
			test__skip();
			goto fail;
		}
		if (!ASSERT_OK_PTR(fx->links[p], progs[p].name))
			goto fail;
	}
	fx->store_fd = bpf_map__fd(fx->skel->maps.store);
	return true;
fail:
	teardown(fx);
	return false;
}

/*
 * Whether LSM program @p has not run, where the BPF LSM could not be told
 * active or not: then it is not, and the subtest is skipped.
 */
static bool lsm_never_ran(struct fixture *fx, int p)
{
	if (!progs[p].lsm || ist.bpf_lsm >= 0 || fx->skel->bss->hits[p])
		return false;
	printf("%s:SKIP: %s never ran (BPF LSM inactive?)\n", __func__, progs[p].name);
	test__skip();
	return true;
}

/* Makes the programs act on the file open as @fd only, or on nothing. */
static void target(struct fixture *fx, int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		fx->skel->bss->target_dev = 0;
		fx->skel->bss->target_ino = 0;
		return;
	}
	fx->skel->bss->target_dev = ist.dev;
	fx->skel->bss->target_ino = st.st_ino;
}

/* Runs program @p once on the file open as @fd at @path. */
static int trigger(struct fixture *fx, int p, const char *path, int fd)
{
	__u32 *mode = &fx->skel->bss->mode[p], m;
	int err = 0;

	if (!progs[p].flock)
		return open_close(path);
	if (flock(fd, LOCK_EX))
		return -errno;
	/* The unlock passes the tracepoint too: not with the program on. */
	m = *mode;
	*mode = IST_M_OFF;
	if (flock(fd, LOCK_UN))
		err = -errno;
	*mode = m;
	return err;
}

static int lookup(struct fixture *fx, int fd, struct ist_val *v)
{
	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(fx->store_fd, &fd, v) ? -errno : 0;
}

/* A value unlikely to be there by chance. */
static __u64 magic(int n)
{
	return 0x15700000000000ull | (__u64)getpid() << 8 | n;
}

/* Create, update, delete and delete again from program @p alone. */
static void test_cycle(int p)
{
	__u32 first = 0, created = 0, removed = 0;
	struct inode_storage_tracing__bss *bss;
	char path[PATH_MAX], what[32];
	struct fixture fx;
	struct ist_val v;
	int fd, i;

	if (!setup(&fx, PROG(p)))
		return;
	bss = fx.skel->bss;
	fd = new_file(ist.dir, progs[p].name, path, sizeof(path));
	if (!ASSERT_OK_FD(fd, "create file"))
		goto out;
	target(&fx, fd);

	ASSERT_EQ(lookup(&fx, fd, &v), -ENOENT, "lookup on a new file");

	bss->mode[p] = IST_M_CREATE;
	for (i = 0; i < 2; i++)
		ASSERT_OK(trigger(&fx, p, path, fd), "trigger");
	bss->mode[p] = IST_M_OFF;
	if (lsm_never_ran(&fx, p))
		goto out;
	first = bss->addons_first[p];
	created = bss->addons_after[p];
	ASSERT_EQ(bss->hits[p], 2, "runs on the file");
	ASSERT_EQ(bss->get_null[p], 0, "creations that gave NULL");
	if (ASSERT_OK(lookup(&fx, fd, &v), "lookup after two creations")) {
		for (i = 0; i < IST_NR_PROGS; i++) {
			snprintf(what, sizeof(what), "cnt[%s]", progs[i].name);
			ASSERT_EQ(v.cnt[i], i == p ? 2 : 0, what);
		}
	}
	if (progs[p].kfunc) {
		ASSERT_FALSE(first & ADDONS_BPF_STORAGE, "BPF_STORAGE before creation");
		ASSERT_EQ(created & (ADDONS_CONTAINER | ADDONS_BPF_STORAGE),
			  ADDONS_CONTAINER | ADDONS_BPF_STORAGE,
			  "CONTAINER and BPF_STORAGE after creation");
		if (progs[p].flock)
			ASSERT_TRUE(first & ADDONS_FLCTX, "FLCTX in flock_lock_inode");
	}

	bss->del_ret[p] = 1;
	bss->mode[p] = IST_M_DELETE;
	ASSERT_OK(trigger(&fx, p, path, fd), "trigger");
	bss->mode[p] = IST_M_OFF;
	removed = bss->addons_after[p];
	ASSERT_EQ(bss->del_ret[p], 0, "delete");
	ASSERT_EQ(lookup(&fx, fd, &v), -ENOENT, "lookup after delete");
	if (progs[p].kfunc) {
		ASSERT_FALSE(removed & ADDONS_BPF_STORAGE, "BPF_STORAGE after removal");
		ASSERT_TRUE(removed & ADDONS_CONTAINER, "CONTAINER after removal");
	}

	bss->del_ret[p] = 1;
	bss->mode[p] = IST_M_DELETE;
	ASSERT_OK(trigger(&fx, p, path, fd), "trigger");
	bss->mode[p] = IST_M_OFF;
	ASSERT_EQ(bss->del_ret[p], -ENOENT, "second delete");

	if (progs[p].kfunc) {
		printf("%s: %s: bpf_inode_addons() first %#x, ", __func__, progs[p].name, first);
		printf("after creation %#x, after removal %#x\n", created, removed);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	teardown(&fx);
}

/* The helpers on a NULL inode, which the verifier lets through. */
static void test_null_inode(void)
{
	struct inode_storage_tracing__bss *bss;
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct fixture fx;
	struct stat st;
	int fd;

	if (!setup(&fx, PROG(IST_NULL)))
		return;
	bss = fx.skel->bss;
	snprintf(dir, sizeof(dir), "%s/nulldir", ist.dir);
	if (!ASSERT_OK(mkdir(dir, 0755), "mkdir"))
		goto out;
	if (!ASSERT_OK(stat(dir, &st), "stat"))
		goto out_rmdir;
	bss->null_get_value = 1;
	bss->null_del_ret = 1;
	bss->target_dev = ist.dev;
	bss->null_dir_ino = st.st_ino;
	fd = new_file(dir, "new", path, sizeof(path));
	bss->null_dir_ino = 0;
	if (ASSERT_OK_FD(fd, "create file"))
		close(fd);
	ASSERT_EQ(bss->null_hits, 1, "security_inode_create runs in the directory");
	ASSERT_EQ(bss->null_was_null, 1, "dentry->d_inode is NULL");
	ASSERT_EQ(bss->null_get_value, 0, "get with F_CREATE on a NULL inode gives a value");
	ASSERT_EQ(bss->null_del_ret, -EINVAL, "delete on a NULL inode");
	unlink(path);
out_rmdir:
	rmdir(dir);
out:
	teardown(&fx);
}

/* fentry (helper) writes; fexit (helper), LSM and tp_btf (kfunc), user space read. */
static void test_cross_fentry_writes(void)
{
	const bool with_lsm = supported(IST_KF_LSM);
	unsigned int mask = PROG(IST_FENTRY) | PROG(IST_FEXIT) | PROG(IST_KF_TP);
	struct inode_storage_tracing__bss *bss;
	const __u64 m1 = magic(1);
	char path[PATH_MAX];
	struct fixture fx;
	struct ist_val v;
	int fd;

	if (with_lsm)
		mask |= PROG(IST_KF_LSM);
	if (!setup(&fx, mask))
		return;
	bss = fx.skel->bss;
	fd = new_file(ist.dir, "cross_fentry", path, sizeof(path));
	if (!ASSERT_OK_FD(fd, "create file"))
		goto out;
	target(&fx, fd);

	bss->magic_in = m1;
	bss->mode[IST_FENTRY] = IST_M_WRITE;
	bss->mode[IST_FEXIT] = IST_M_READ;
	bss->mode[IST_KF_LSM] = IST_M_READ;
	ASSERT_OK(open_close(path), "open");
	bss->mode[IST_FENTRY] = IST_M_OFF;
	bss->mode[IST_FEXIT] = IST_M_OFF;
	bss->mode[IST_KF_LSM] = IST_M_OFF;
	bss->mode[IST_KF_TP] = IST_M_READ;
	ASSERT_OK(trigger(&fx, IST_KF_TP, path, fd), "flock");
	bss->mode[IST_KF_TP] = IST_M_OFF;

	ASSERT_EQ(bss->hits[IST_FENTRY], 1, "fentry runs");
	ASSERT_EQ(bss->get_null[IST_FENTRY], 0, "fentry creation gave NULL");
	ASSERT_EQ(bss->magic_seen[IST_FEXIT], m1, "fexit (helper) reads");
	ASSERT_EQ(bss->magic_seen[IST_KF_TP], m1, "tp_btf (kfunc) reads");
	if (!with_lsm)
		printf("%s: no LSM reader: %s\n", __func__, unsupported(IST_KF_LSM));
	else if (ist.bpf_lsm < 0 && !bss->hits[IST_KF_LSM])
		printf("%s: no LSM reader: it never ran (BPF LSM inactive?)\n", __func__);
	else
		ASSERT_EQ(bss->magic_seen[IST_KF_LSM], m1, "lsm (kfunc) reads");
	if (ASSERT_OK(lookup(&fx, fd, &v), "lookup")) {
		ASSERT_EQ(v.magic, m1, "user space reads");
		ASSERT_EQ(v.writer, IST_FENTRY + 1, "writer");
	}
	close(fd);
	unlink(path);
out:
	teardown(&fx);
}

/* User space creates and updates; the LSM and fentry programs (helper) read. */
static void test_cross_userspace_writes(void)
{
	static const int readers[] = { IST_LSM, IST_FENTRY };
	struct inode_storage_tracing__bss *bss;
	const __u64 m[2] = { magic(2), magic(3) };
	unsigned int mask = 0;
	char path[PATH_MAX];
	struct fixture fx;
	struct ist_val v;
	int fd, i, r;

	for (r = 0; r < ARRAY_SIZE(readers); r++) {
		if (supported(readers[r]))
			mask |= PROG(readers[r]);
		else
			printf("%s: no %s reader: %s\n", __func__, progs[readers[r]].name,
			       unsupported(readers[r]));
	}
	if (!mask) {
		printf("%s:SKIP: no program can read inode storage here\n", __func__);
		test__skip();
		return;
	}
	if (!setup(&fx, mask))
		return;
	bss = fx.skel->bss;
	fd = new_file(ist.dir, "cross_userspace", path, sizeof(path));
	if (!ASSERT_OK_FD(fd, "create file"))
		goto out;
	target(&fx, fd);

	for (i = 0; i < 2; i++) {
		memset(&v, 0, sizeof(v));
		v.magic = m[i];
		if (!ASSERT_OK(bpf_map_update_elem(fx.store_fd, &fd, &v,
						   i ? BPF_EXIST : BPF_NOEXIST),
			       i ? "update" : "create"))
			break;
		for (r = 0; r < ARRAY_SIZE(readers); r++) {
			bss->magic_seen[readers[r]] = 0;
			bss->mode[readers[r]] = IST_M_READ;
		}
		ASSERT_OK(open_close(path), "open");
		for (r = 0; r < ARRAY_SIZE(readers); r++)
			bss->mode[readers[r]] = IST_M_OFF;
		for (r = 0; r < ARRAY_SIZE(readers); r++) {
			int p = readers[r];

			if (!(mask & PROG(p)))
				continue;
			if (progs[p].lsm && ist.bpf_lsm < 0 && !bss->hits[p]) {
				if (mask == PROG(p)) {
					lsm_never_ran(&fx, p);
					goto out_close;
				}
				printf("%s: %s never ran (BPF LSM inactive?)\n", __func__,
				       progs[p].name);
				continue;
			}
			ASSERT_EQ(bss->magic_seen[p], m[i], progs[p].name);
		}
	}
	memset(&v, 0, sizeof(v));
	ASSERT_ERR(bpf_map_update_elem(fx.store_fd, &fd, &v, BPF_NOEXIST), "create again");
	ASSERT_EQ(errno, EEXIST, "create again: errno");
out_close:
	close(fd);
	unlink(path);
out:
	teardown(&fx);
}

/* tp_btf (kfunc) writes, fentry (helper) reads; LSM (kfunc) writes, fexit (helper) reads. */
static void test_cross_kfunc_writes(void)
{
	const bool with_lsm = supported(IST_KF_LSM);
	unsigned int mask = PROG(IST_KF_TP) | PROG(IST_FENTRY);
	struct inode_storage_tracing__bss *bss;
	const __u64 m1 = magic(4), m2 = magic(5);
	char path[PATH_MAX];
	struct fixture fx;
	struct ist_val v;
	int fd;

	if (with_lsm)
		mask |= PROG(IST_KF_LSM) | PROG(IST_FEXIT);
	if (!setup(&fx, mask))
		return;
	bss = fx.skel->bss;
	fd = new_file(ist.dir, "cross_kfunc", path, sizeof(path));
	if (!ASSERT_OK_FD(fd, "create file"))
		goto out;
	target(&fx, fd);

	bss->magic_in = m1;
	bss->mode[IST_KF_TP] = IST_M_WRITE;
	ASSERT_OK(trigger(&fx, IST_KF_TP, path, fd), "flock");
	bss->mode[IST_KF_TP] = IST_M_OFF;
	ASSERT_EQ(bss->hits[IST_KF_TP], 1, "tp_btf runs");
	ASSERT_EQ(bss->get_null[IST_KF_TP], 0, "tp_btf (kfunc) creation gave NULL");
	bss->mode[IST_FENTRY] = IST_M_READ;
	ASSERT_OK(open_close(path), "open");
	bss->mode[IST_FENTRY] = IST_M_OFF;
	ASSERT_EQ(bss->magic_seen[IST_FENTRY], m1, "fentry (helper) reads tp_btf's");
	if (ASSERT_OK(lookup(&fx, fd, &v), "lookup"))
		ASSERT_EQ(v.writer, IST_KF_TP + 1, "writer");

	if (!with_lsm) {
		printf("%s: no LSM writer: %s\n", __func__, unsupported(IST_KF_LSM));
		goto out_close;
	}
	bss->magic_in = m2;
	bss->mode[IST_KF_LSM] = IST_M_WRITE;
	bss->mode[IST_FEXIT] = IST_M_READ;
	ASSERT_OK(open_close(path), "open");
	bss->mode[IST_KF_LSM] = IST_M_OFF;
	bss->mode[IST_FEXIT] = IST_M_OFF;
	if (ist.bpf_lsm < 0 && !bss->hits[IST_KF_LSM]) {
		printf("%s: no LSM writer: it never ran (BPF LSM inactive?)\n", __func__);
		goto out_close;
	}
	ASSERT_EQ(bss->get_null[IST_KF_LSM], 0, "lsm (kfunc) lookup gave NULL");
	ASSERT_EQ(bss->magic_seen[IST_FEXIT], m2, "fexit (helper) reads lsm's");
	if (ASSERT_OK(lookup(&fx, fd, &v), "lookup"))
		ASSERT_EQ(v.writer, IST_KF_LSM + 1, "writer");
out_close:
	close(fd);
	unlink(path);
out:
	teardown(&fx);
}

#define EVICT_FILES	64
#define SLACK		2	/* containers that other tasks may make or free */

/* The storage goes with its inode: the containers holding it are freed. */
static void test_evict(void)
{
	const int p = IST_FENTRY;
	struct inode_storage_tracing__bss *bss;
	long long live0, live1, live2;
	int fds[EVICT_FILES], i, n = 0, bad = 0;
	char dir[64], path[128];
	struct fixture fx;
	struct ist_val v;
	struct stat st;

	if (!setup(&fx, PROG(p)))
		return;
	if (!ist.stats) {
		printf("%s:SKIP: no %s\n", __func__, ADDONS_STATS);
		test__skip();
		goto out;
	}
	bss = fx.skel->bss;
	strscpy(dir, "/tmp/inode_storage_evict.XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		goto out;
	if (!ASSERT_OK(mount("inode_storage_evict", dir, "tmpfs", 0, "size=1m"), "mount"))
		goto out_rmdir;
	if (!ASSERT_OK(stat(dir, &st), "stat"))
		goto out_umount;

	live0 = settle(-1);
	bss->target_dev = kdev(st.st_dev);
	bss->target_ino = 0;		/* every inode of that tmpfs */
	bss->mode[p] = IST_M_CREATE;
	for (i = 0; i < EVICT_FILES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		fds[n] = new_file(dir, name, path, sizeof(path));
		if (!ASSERT_OK_FD(fds[n], "create file"))
			break;
		n++;
	}
	bss->mode[p] = IST_M_OFF;
	ASSERT_EQ(bss->hits[p], n, "values created");
	ASSERT_EQ(bss->get_null[p], 0, "creations that gave NULL");
	for (i = 0; i < n; i++)
		bad += lookup(&fx, fds[i], &v) || v.cnt[p] != 1;
	ASSERT_EQ(bad, 0, "files without their value");
	live1 = addons_live();
	ASSERT_GE(live1 - live0, n - SLACK, "containers made for the values");

	for (i = 0; i < n; i++) {
		close(fds[i]);
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
	live2 = settle(live0 + SLACK);
	printf("%s: live containers %lld before, %lld with %d values, %lld after eviction\n",
	       __func__, live0, live1, n, live2);
	ASSERT_LE(live2, live0 + SLACK, "live containers after eviction");
out_umount:
	umount2(dir, MNT_DETACH);
out_rmdir:
	rmdir(dir);
out:
	teardown(&fx);
}

#define RACE_ROUNDS	8	/* new files */
#define RACE_PROCS	4	/* processes opening each, released together */
#define RACE_OPENS	16	/* opens per process */

static __u64 recursion_misses(struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.recursion_misses;
}

/*
 * Concurrent first creators on one inode end with one value that counts
 * every run.  A run the kernel skipped because the program was already
 * running on that CPU (a preempted task was in it) is a recursion miss.
 */
static void test_concurrent_create(void)
{
	const int p = IST_FENTRY;
	const __u64 want = RACE_PROCS * RACE_OPENS;
	struct inode_storage_tracing__bss *bss;
	__u64 misses, total_misses = 0;
	pid_t pids[RACE_PROCS];
	char path[PATH_MAX];
	struct fixture fx;
	struct ist_val v;
	int round, i;

	if (!setup(&fx, PROG(p)))
		return;
	bss = fx.skel->bss;
	for (round = 0; round < RACE_ROUNDS; round++) {
		int fd, go[2], status, failed = 0;
		char name[16];
		bool ok;
		__u64 misses0;

		snprintf(name, sizeof(name), "race%d", round);
		fd = new_file(ist.dir, name, path, sizeof(path));
		if (!ASSERT_OK_FD(fd, "create file"))
			break;
		if (!ASSERT_OK(pipe(go), "pipe")) {
			close(fd);
			break;
		}
		misses0 = recursion_misses(fx.skel->progs.h_fentry);
		bss->hits[p] = 0;
		target(&fx, fd);
		bss->mode[p] = IST_M_COUNT;
		for (i = 0; i < RACE_PROCS; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				char c;
				int k, bad = 0;

				close(go[1]);
				/* Until the parent closes its end. */
				if (read(go[0], &c, 1) < 0)
					_exit(2);
				for (k = 0; k < RACE_OPENS; k++)
					bad |= open_close(path) != 0;
				_exit(bad);
			}
		}
		close(go[0]);
		close(go[1]);
		for (i = 0; i < RACE_PROCS; i++) {
			if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				failed++;
		}
		bss->mode[p] = IST_M_OFF;
		target(&fx, -1);
		misses = recursion_misses(fx.skel->progs.h_fentry) - misses0;
		total_misses += misses;
		ok = ASSERT_EQ(failed, 0, "openers that failed");
		ok &= ASSERT_EQ(bss->hits[p] + misses, want, "runs and recursion misses");
		ok &= ASSERT_OK(lookup(&fx, fd, &v), "lookup") &&
		      ASSERT_EQ(v.opens, bss->hits[p], "count in the value");
		close(fd);
		unlink(path);
		if (!ok)
			break;
	}
	ASSERT_EQ(bss->lost, 0, "runs without a value");
	printf("%s: %d rounds x %d processes x %d opens: ", __func__, round, RACE_PROCS,
	       RACE_OPENS);
	printf("creation race lost %llu times, %llu recursion misses\n",
	       (unsigned long long)bss->race_null, (unsigned long long)total_misses);
	teardown(&fx);
}

/* What the child of test_unprivileged() saw. */
struct unpriv_result {
	int setup_err;		/* dropping privileges: errno, 0 on success */
	__u64 caps;		/* effective capabilities left */
	int load_err;		/* loading the programs */
	int map_fd;		/* creating an inode storage map */
	int map_errno;
};

static void unpriv_child(int wfd, int prog, int btf_fd, __u32 key_id, __u32 val_id)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2] = {};
	struct unpriv_result res = {};
	struct inode_storage_tracing *skel;

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534) || syscall(SYS_capget, &hdr, caps)) {
		res.setup_err = errno;
		goto out;
	}
	res.caps = caps[0].effective | (__u64)caps[1].effective << 32;

	skel = inode_storage_tracing__open();
	if (!skel) {
		res.load_err = -errno;
		goto out;
	}
	bpf_program__set_autoload(skel_prog(skel, prog), true);
	res.load_err = inode_storage_tracing__load(skel);
	inode_storage_tracing__destroy(skel);

	{
		LIBBPF_OPTS(bpf_map_create_opts, opts,
			    .btf_fd = btf_fd,
			    .btf_key_type_id = key_id,
			    .btf_value_type_id = val_id,
			    .map_flags = BPF_F_NO_PREALLOC);

		res.map_fd = bpf_map_create(BPF_MAP_TYPE_INODE_STORAGE, "ist_unpriv",
					    sizeof(int), sizeof(struct ist_val), 0, &opts);
		res.map_errno = res.map_fd < 0 ? errno : 0;
	}
out:
	if (write(wfd, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	_exit(0);
}

/* Without privileges, neither the programs nor an inode storage map load. */
static void test_unprivileged(void)
{
	/* A program this kernel accepts from root: loaded as root first. */
	const int prog = ist.kfuncs ? IST_FENTRY : IST_LSM;
	struct inode_storage_tracing *skel;
	struct unpriv_result res;
	int err, pfd[2], status;
	pid_t pid;

	skel = inode_storage_tracing__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	bpf_program__set_autoload(skel_prog(skel, prog), true);
	err = inode_storage_tracing__load(skel);
	if (err == -EOPNOTSUPP && !ist.kfuncs && ist.bpf_lsm != 1) {
		printf("%s:SKIP: no inode storage maps: CONFIG_INODE_ADDONS=n and no BPF LSM\n",
		       __func__);
		test__skip();
		goto out;
	}
	if (!ASSERT_OK(err, "load as root"))
		goto out;
	if (!ASSERT_OK(pipe(pfd), "pipe"))
		goto out;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		unpriv_child(pfd[1], prog, bpf_object__btf_fd(skel->obj),
			     bpf_map__btf_key_type_id(skel->maps.store),
			     bpf_map__btf_value_type_id(skel->maps.store));
	}
	close(pfd[1]);
	memset(&res, 0, sizeof(res));
	res.setup_err = -1;
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res.setup_err = -1;
	close(pfd[0]);
	if (!ASSERT_GT(pid, 0, "fork"))
		goto out;
	ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid");
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status), "child exit");
	if (!ASSERT_EQ(res.setup_err, 0, "drop to nobody"))
		goto out;
	ASSERT_EQ(res.caps & ((1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_PERFMON) | (1ULL << CAP_BPF)),
		  0, "CAP_SYS_ADMIN, CAP_PERFMON, CAP_BPF left");
	ASSERT_EQ(res.load_err, -EPERM, "load as nobody");
	ASSERT_LT(res.map_fd, 0, "map creation as nobody");
	ASSERT_EQ(res.map_errno, EPERM, "map creation as nobody: errno");
out:
	inode_storage_tracing__destroy(skel);
}

/* What the kernel offers; false if that is inconsistent. */
static bool probe_kernel(void)
{
	ist.kfuncs = libbpf_find_vmlinux_btf_id("bpf_inode_storage_lookup",
						BPF_TRACE_FENTRY) > 0;
	ist.stats = !access(ADDONS_STATS, R_OK);
	if (!ist.stats && ist.kfuncs) {
		/* Maybe debugfs is not mounted. */
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		ist.stats = !access(ADDONS_STATS, R_OK);
	}
	ist.bpf_lsm = bpf_lsm_active();
	printf("%s: inode storage kfuncs: %s; %s: %s; BPF LSM active: %s\n", __func__,
	       ist.kfuncs ? "yes" : "no", ADDONS_STATS, ist.stats ? "yes" : "no",
	       ist.bpf_lsm < 0 ? "unknown" : ist.bpf_lsm ? "yes" : "no");
	/* The container's statistics come with CONFIG_INODE_ADDONS. */
	return ASSERT_FALSE(ist.stats && !ist.kfuncs, "inode_addons without kfuncs");
}

void test_inode_storage_tracing(void)
{
	static const struct {
		const char *name;
		int prog;
	} cycles[] = {
		{ "helper_fentry", IST_FENTRY },
		{ "helper_fexit", IST_FEXIT },
		{ "helper_lsm", IST_LSM },
		{ "helper_lsm_sleepable", IST_LSM_S },
		{ "helper_tp_btf", IST_TP },
		{ "kfunc_lsm", IST_KF_LSM },
		{ "kfunc_tp_btf", IST_KF_TP },
	};
	int i;

	if (!probe_kernel())
		return;
	if (getenv("INODE_STORAGE_TEST_DIR")) {
		ist.own_tmpfs = false;
		if (!ASSERT_LT(snprintf(ist.dir, sizeof(ist.dir), "%s/inode_storage_tracing.XXXXXX",
					getenv("INODE_STORAGE_TEST_DIR")), sizeof(ist.dir),
			       "INODE_STORAGE_TEST_DIR length"))
			return;
		if (!ASSERT_OK_PTR(mkdtemp(ist.dir), "mkdtemp"))
			return;
	} else {
		ist.own_tmpfs = true;
		strscpy(ist.dir, "/tmp/inode_storage_tracing.XXXXXX");
		if (!ASSERT_OK_PTR(mkdtemp(ist.dir), "mkdtemp"))
			return;
		if (!ASSERT_OK(mount("inode_storage_tracing", ist.dir, "tmpfs", 0,
				     "size=1m"), "mount"))
			goto out_rmdir;
	}
	ist.dev = sb_kdev(ist.dir);
	printf("%s: working in %s (device %u:%u)\n", __func__, ist.dir,
	       ist.dev >> 20, ist.dev & 0xfffff);
	if (!ASSERT_NEQ(ist.dev, 0, "device of the test directory"))
		goto out_umount;

	for (i = 0; i < ARRAY_SIZE(cycles); i++)
		if (test__start_subtest(cycles[i].name))
			test_cycle(cycles[i].prog);
	if (test__start_subtest("helper_null_inode"))
		test_null_inode();
	if (test__start_subtest("cross_fentry_writes"))
		test_cross_fentry_writes();
	if (test__start_subtest("cross_userspace_writes"))
		test_cross_userspace_writes();
	if (test__start_subtest("cross_kfunc_writes"))
		test_cross_kfunc_writes();
	if (test__start_subtest("evict_frees_storage"))
		test_evict();
	if (test__start_subtest("concurrent_create"))
		test_concurrent_create();
	if (test__start_subtest("reject_unprivileged"))
		test_unprivileged();
out_umount:
	if (ist.own_tmpfs)
		umount2(ist.dir, MNT_DETACH);
out_rmdir:
	rmdir(ist.dir);
}
