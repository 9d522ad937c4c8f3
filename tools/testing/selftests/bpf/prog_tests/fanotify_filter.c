// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify BPF filters (struct fanotify_filter_ops, FAN_IOC_SET_FILTER):
 *
 * - subtree: a group with a filesystem mark and the subtree filter of
 *   progs/fanotify_filter.c sees every event under the tagged directory and
 *   none outside it, with tags following entries created and moved in and
 *   out; the filter's own counts match the events it was given;
 * - lifetime: a filter whose link is gone keeps filtering for the groups
 *   that selected it, and its struct_ops map is freed when the last of them
 *   is closed;
 * - race: events keep coming while the filter is selected and deselected,
 *   groups that hold it are closed and it is unregistered and registered
 *   again;
 * - refused: unknown and too long names, a second filter of the same name,
 *   a caller without CAP_SYS_ADMIN and a group created without it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <test_progs.h>
#include <bpf/btf.h>

#include "cap_helpers.h"
#include "fanotify_filter.skel.h"

#ifndef FAN_IOC_SET_FILTER
#define FAN_FILTER_NAME_MAX	16
#define FAN_IOC_SET_FILTER	_IOW(0xFA, 0x00, char[FAN_FILTER_NAME_MAX])
#endif

#define OUTSIDE	40	/* files written outside the tagged tree */
#define INSIDE	4	/* files written inside it */
#define MAX_NAMES 128

#define EVENTS	(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | \
		 FAN_CLOSE_WRITE | FAN_ONDIR)

struct fixture {
	char root[64];
	int group;
};

/* The names the group was told about, each with the union of its masks. */
struct seen {
	char name[MAX_NAMES][NAME_MAX + 1];
	__u64 mask[MAX_NAMES];
	int n;
};

static int fs_setup(struct fixture *f)
{
	char path[PATH_MAX];

	strscpy(f->root, "/tmp/fanotify_filter.XXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(f->root), "mkdtemp"))
		return -1;
	/* A filesystem of its own: the filesystem mark sees only the test. */
	if (!ASSERT_OK(mount("fanotify_filter", f->root, "tmpfs", 0, "size=1m"), "mount")) {
		rmdir(f->root);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/in", f->root);
	if (!ASSERT_OK(mkdir(path, 0755), "mkdir in"))
		return -1;
	snprintf(path, sizeof(path), "%s/out", f->root);
	return ASSERT_OK(mkdir(path, 0755), "mkdir out") ? 0 : -1;
}

static void fs_teardown(struct fixture *f)
{
	umount2(f->root, MNT_DETACH);
	rmdir(f->root);
}

static int group_open(const char *root)
{
	int fd;

	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK,
			   O_RDONLY);
	if (!ASSERT_GE(fd, 0, "fanotify_init"))
		return -1;
	if (!ASSERT_OK(fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, EVENTS,
				     AT_FDCWD, root), "fanotify_mark")) {
		close(fd);
		return -1;
	}
	return fd;
}

static int set_filter(int group, const char *name)
{
	char buf[FAN_FILTER_NAME_MAX + 8] = {};

	strncpy(buf, name, sizeof(buf) - 1);
	return ioctl(group, FAN_IOC_SET_FILTER, buf) ? -errno : 0;
}

static int tag(struct fanotify_filter *skel, const char *path)
{
	__u32 one = 1;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.tags), &fd, &one, BPF_ANY);
	close(fd);
	return err;
}

static void write_file(const char *root, const char *rel)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (ASSERT_GE(fd, 0, rel)) {
		ASSERT_EQ(write(fd, "x", 1), 1, "write");
		close(fd);
	}
}

static void move(const char *root, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/%s", root, from);
	snprintf(b, sizeof(b), "%s/%s", root, to);
	ASSERT_OK(rename(a, b), from);
}

/* Reads every queued event; returns how many, or -1. */
static int drain(int group, struct seen *seen)
{
	__u64 buf[1024];	/* aligned for the event records */
	struct fanotify_event_metadata *md;
	int events = 0, i;
	ssize_t len;

	while ((len = read(group, buf, sizeof(buf))) > 0) {
		for (md = (void *)buf; FAN_EVENT_OK(md, len); md = FAN_EVENT_NEXT(md, len)) {
			struct fanotify_event_info_fid *fid = (void *)(md + 1);
			struct file_handle *fh = (void *)fid->handle;
			const char *name;

			events++;
			if (md->event_len <= sizeof(*md) ||
			    fid->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME)
				continue;
			name = (const char *)fh->f_handle + fh->handle_bytes;
			for (i = 0; i < seen->n && strcmp(seen->name[i], name); i++)
				;
			if (i == seen->n) {
				if (!ASSERT_LT(seen->n, MAX_NAMES, "names"))
					return -1;
				strscpy(seen->name[seen->n++], name);
				seen->mask[i] = 0;
			}
			seen->mask[i] |= md->mask;
		}
	}
	if (!ASSERT_EQ(errno, EAGAIN, "read"))
		return -1;
	return events;
}

static __u64 mask_of(struct seen *seen, const char *name)
{
	int i;

	for (i = 0; i < seen->n; i++)
		if (!strcmp(seen->name[i], name))
			return seen->mask[i];
	return 0;
}

/*
 * Loads the filter and publishes it (*@link); with @root, tags @root/in.
 * Returns the skeleton, or NULL with nothing left behind.
 */
static struct fanotify_filter *filter_start(const char *root, struct bpf_link **link)
{
	struct fanotify_filter *skel;
	char in[PATH_MAX];

	*link = NULL;
	skel = fanotify_filter__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return NULL;
	*link = bpf_map__attach_struct_ops(skel->maps.subtree);
	if (!ASSERT_OK_PTR(*link, "attach_struct_ops"))
		goto err;
	if (!root)
		return skel;
	snprintf(in, sizeof(in), "%s/in", root);
	if (ASSERT_OK(tag(skel, in), "tag in"))
		return skel;
err:
	bpf_link__destroy(*link);
	*link = NULL;
	fanotify_filter__destroy(skel);
	return NULL;
}

static void test_subtree(void)
{
	struct fanotify_filter *skel;
	struct bpf_link *link = NULL;
	struct fixture f = {};
	struct seen seen = {};
	__u64 dropped, delivered;
	char rel[PATH_MAX];
	int i, events;

	if (fs_setup(&f))
		return;
	skel = filter_start(f.root, &link);
	if (!skel)
		goto out_fs;
	f.group = group_open(f.root);
	if (f.group < 0)
		goto out;
	if (!ASSERT_OK(set_filter(f.group, "tp_subtree"), "FAN_IOC_SET_FILTER"))
		goto out_group;

	/* 1 % to 10 % of the traffic is in the tree. */
	for (i = 0; i < OUTSIDE; i++) {
		snprintf(rel, sizeof(rel), "out/o%d", i);
		write_file(f.root, rel);
	}
	for (i = 0; i < INSIDE; i++) {
		snprintf(rel, sizeof(rel), "in/i%d", i);
		write_file(f.root, rel);
	}
	/* Tags propagate to what is created in the tree, at any depth. */
	snprintf(rel, sizeof(rel), "%s/in/sub", f.root);
	ASSERT_OK(mkdir(rel, 0755), "mkdir in/sub");
	write_file(f.root, "in/sub/deep");
	/* A file moved out loses its tag; one moved in takes it. */
	move(f.root, "in/i0", "out/gone");
	write_file(f.root, "out/gone");
	move(f.root, "out/o0", "in/came");
	write_file(f.root, "in/came");

	events = drain(f.group, &seen);
	if (!ASSERT_GT(events, 0, "events"))
		goto out_group;
	for (i = 0; i < seen.n; i++) {
		const char *n = seen.name[i];

		/* Names of entries that were in the tree when the event came. */
		if (!ASSERT_TRUE(n[0] == 'i' || !strcmp(n, "sub") || !strcmp(n, "deep") ||
				 !strcmp(n, "came"), "only events in the tree"))
			printf("%s: unexpected event on %s, mask %llx\n", __func__, n,
			       (unsigned long long)seen.mask[i]);
	}
	for (i = 1; i < INSIDE; i++) {
		snprintf(rel, sizeof(rel), "i%d", i);
		ASSERT_EQ(mask_of(&seen, rel), FAN_CREATE | FAN_CLOSE_WRITE, rel);
	}
	ASSERT_EQ(mask_of(&seen, "i0"), FAN_CREATE | FAN_CLOSE_WRITE | FAN_MOVED_FROM, "i0");
	ASSERT_EQ(mask_of(&seen, "sub"), FAN_CREATE | FAN_ONDIR, "sub");
	ASSERT_EQ(mask_of(&seen, "deep"), FAN_CREATE | FAN_CLOSE_WRITE, "deep");
	ASSERT_EQ(mask_of(&seen, "came"), FAN_MOVED_TO | FAN_CLOSE_WRITE, "came");
	ASSERT_EQ(mask_of(&seen, "gone"), 0, "gone");
	ASSERT_EQ(mask_of(&seen, "o1"), 0, "o1");

	/*
	 * What the filter was given, event by event: per file written a
	 * create and a close_write; per move a moved_from and a moved_to.
	 */
	dropped = 2 * OUTSIDE + 1 /* moved_to gone */ + 1 /* close gone */ +
		  1 /* moved_from o0 */;
	delivered = 2 * INSIDE + 1 /* sub */ + 2 /* deep */ + 1 /* moved_from i0 */ +
		    1 /* moved_to came */ + 1 /* close came */;
	ASSERT_EQ(skel->bss->dropped, dropped, "dropped");
	ASSERT_EQ(skel->bss->delivered, delivered, "delivered");
	ASSERT_EQ(skel->bss->retagged, INSIDE + 2 /* sub, deep */ + 1 /* came */, "retagged");
	ASSERT_EQ(skel->bss->untagged, 1, "untagged");

	/* No filter: the group sees the outside again. */
	ASSERT_OK(set_filter(f.group, ""), "no filter");
	write_file(f.root, "out/o1");
	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(drain(f.group, &seen), 1, "events without the filter");
	ASSERT_EQ(mask_of(&seen, "o1"), FAN_CLOSE_WRITE, "o1 without the filter");
	ASSERT_EQ(skel->bss->dropped, dropped, "dropped without the filter");
out_group:
	close(f.group);
out:
	bpf_link__destroy(link);
	fanotify_filter__destroy(skel);
out_fs:
	fs_teardown(&f);
}

static bool map_exists(__u32 id)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void test_lifetime(void)
{
	struct fanotify_filter *skel;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct bpf_link *link;
	struct fixture f = {};
	struct seen seen = {};
	int other, i;

	if (fs_setup(&f))
		return;
	skel = filter_start(NULL, &link);
	if (!skel)
		goto out_fs;
	ASSERT_OK(bpf_map_get_info_by_fd(bpf_map__fd(skel->maps.subtree), &info, &len),
		  "map info");
	f.group = group_open(f.root);
	if (f.group < 0 || !ASSERT_OK(set_filter(f.group, "tp_subtree"), "select")) {
		bpf_link__destroy(link);
		fanotify_filter__destroy(skel);
		goto out_group;
	}

	/* Unpublished: no new group can select it... */
	ASSERT_OK(bpf_link__destroy(link), "link destroy");
	other = group_open(f.root);
	if (other >= 0) {
		ASSERT_EQ(set_filter(other, "tp_subtree"), -ENOENT, "select unpublished");
		close(other);
	}
	/* ...and with every fd of it closed, the group still holds it. */
	fanotify_filter__destroy(skel);
	ASSERT_TRUE(map_exists(info.id), "map held by the group");
	write_file(f.root, "out/o1");
	write_file(f.root, "in/i1");
	ASSERT_EQ(drain(f.group, &seen), 0, "untagged tree: all dropped");

	/* The last user gone, the map goes (freed after RCU grace periods). */
	close(f.group);
	f.group = -1;
	for (i = 0; i < 200 && map_exists(info.id); i++)
		usleep(10000);
	ASSERT_FALSE(map_exists(info.id), "map freed with the group");
out_group:
	if (f.group >= 0)
		close(f.group);
out_fs:
	fs_teardown(&f);
}

struct writer {
	const char *root;
	const char *dir;
	bool *stop;
	int files;
};

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	char rel[PATH_MAX];
	int i = 0;

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		snprintf(rel, sizeof(rel), "%s/w%d", w->dir, i++ % 16);
		write_file(w->root, rel);
		w->files++;
	}
	return NULL;
}

/*
 * Events keep coming while the filter is selected and deselected, groups
 * holding it are closed and the filter is unregistered and registered
 * again: the filter runs while its last reference goes (KASAN would see a
 * use after free).
 */
static void test_race(void)
{
	struct writer w[2] = {};
	bool stop = false;
	struct fanotify_filter *skel;
	struct bpf_link *link;
	struct fixture f = {};
	struct seen seen = {};
	pthread_t t[2];
	int i, started = 0;

	if (fs_setup(&f))
		return;
	skel = filter_start(f.root, &link);
	if (!skel)
		goto out_fs;

	for (i = 0; i < 2; i++) {
		w[i] = (struct writer){ .root = f.root, .dir = i ? "out" : "in", .stop = &stop };
		if (!ASSERT_OK(pthread_create(&t[i], NULL, writer_fn, &w[i]), "pthread_create"))
			break;
		started++;
	}
	f.group = -1;
	for (i = 0; i < 300 && started == 2; i++) {
		if (f.group < 0) {
			f.group = group_open(f.root);
			if (f.group < 0)
				break;
		}
		if (!link) {
			link = bpf_map__attach_struct_ops(skel->maps.subtree);
			if (!ASSERT_OK_PTR(link, "attach again"))
				break;
		}
		if (!ASSERT_OK(set_filter(f.group, "tp_subtree"), "select"))
			break;
		drain(f.group, &seen);
		seen.n = 0;
		switch (i % 3) {
		case 0:
			ASSERT_OK(set_filter(f.group, ""), "deselect");
			break;
		case 1:
			/* The group goes with the filter still selected. */
			close(f.group);
			f.group = -1;
			break;
		case 2:
			/* Unregistered while the group runs it. */
			bpf_link__destroy(link);
			link = NULL;
			break;
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	while (started--)
		pthread_join(t[started], NULL);
	ASSERT_EQ(i, 300, "rounds");
	ASSERT_GT(w[0].files, 0, "writes in the tree");
	ASSERT_GT(w[1].files, 0, "writes outside");
	ASSERT_GT(skel->bss->dropped, 0, "dropped");
	ASSERT_GT(skel->bss->delivered, 0, "delivered");
	if (f.group >= 0)
		close(f.group);
	bpf_link__destroy(link);
	fanotify_filter__destroy(skel);
out_fs:
	fs_teardown(&f);
}

static void test_refused(void)
{
	struct fanotify_filter *skel, *twin = NULL;
	struct bpf_link *link, *twin_link;
	__u64 caps = 0;
	int group, unpriv, err;

	skel = filter_start(NULL, &link);
	if (!skel)
		return;

	/* A name is published once. */
	twin = fanotify_filter__open_and_load();
	if (ASSERT_OK_PTR(twin, "twin load")) {
		twin_link = bpf_map__attach_struct_ops(twin->maps.subtree);
		err = twin_link ? 0 : -errno;
		ASSERT_EQ(err, -EEXIST, "twin attach");
		bpf_link__destroy(twin_link);
	}

	group = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
	if (!ASSERT_GE(group, 0, "fanotify_init"))
		goto out_link;
	ASSERT_EQ(set_filter(group, "no_such_filter"), -ENOENT, "unknown name");
	ASSERT_EQ(set_filter(group, "0123456789abcdefXX"), -ENAMETOOLONG, "long name");

	/* No CAP_SYS_ADMIN: neither selecting nor a group that may select. */
	if (!ASSERT_OK(cap_disable_effective(1ULL << CAP_SYS_ADMIN, &caps), "drop caps"))
		goto out_group;
	ASSERT_EQ(set_filter(group, "tp_subtree"), -EPERM, "caller without CAP_SYS_ADMIN");
	unpriv = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
	ASSERT_OK(cap_enable_effective(caps, NULL), "restore caps");
	if (ASSERT_GE(unpriv, 0, "unprivileged fanotify_init")) {
		ASSERT_EQ(set_filter(unpriv, "tp_subtree"), -EPERM, "unprivileged group");
		close(unpriv);
	}
	ASSERT_OK(set_filter(group, "tp_subtree"), "privileged group");
out_group:
	close(group);
out_link:
	bpf_link__destroy(link);
	fanotify_filter__destroy(twin);
	fanotify_filter__destroy(skel);
}

/* Why the kernel cannot run these tests, or NULL. */
static const char *unsupported(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const char *why = NULL;

	if (!ASSERT_OK_PTR(btf, "vmlinux BTF"))
		return "no vmlinux BTF";
	if (btf__find_by_name_kind(btf, "fanotify_filter_ops", BTF_KIND_STRUCT) < 0)
		why = "no struct fanotify_filter_ops (CONFIG_FANOTIFY_BPF_FILTER=n)";
	else if (btf__find_by_name_kind(btf, "bpf_inode_storage_lookup", BTF_KIND_FUNC) < 0)
		why = "filters get inode storage only with CONFIG_INODE_ADDONS=y";
	btf__free(btf);
	return why;
}

void test_fanotify_filter(void)
{
	const char *why = unsupported();

	if (why) {
		printf("%s:SKIP: %s\n", __func__, why);
		test__skip();
		return;
	}
	if (test__start_subtest("subtree"))
		test_subtree();
	if (test__start_subtest("lifetime"))
		test_lifetime();
	if (test__start_subtest("race"))
		test_race();
	if (test__start_subtest("refused"))
		test_refused();
}
