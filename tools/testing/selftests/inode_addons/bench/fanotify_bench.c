// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: what a fanotify listener of 1 % of a filesystem pays per event
 * of the whole filesystem, with the filtering in user space and with the
 * BPF filter (struct fanotify_filter_ops) dropping the rest in the kernel.
 *
 * NFILES existing files, INSIDE of them (1 %) in the watched directory, are
 * each opened, written and closed once per round; a group with a
 * FAN_CLOSE_WRITE filesystem mark gets one event per file.  Modes:
 *
 *   none       no group: the workload alone
 *   userspace  the group reads every event and keeps those whose directory
 *              handle is the watched directory's
 *   bpf        the group's filter keeps the events of the tagged inodes
 *
 * Each round is timed from the first open to the last event read; under
 * "-icount shift=0" a nanosecond is an instruction.  Prints JSON: per mode
 * the median and minimum over ROUNDS of the time per workload event, and
 * the events read per round.
 *
 * Usage: fanotify_bench DIR   (DIR on its own filesystem, e.g. a tmpfs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_fanotify.skel.h"

#define NFILES	1000
#define INSIDE	10		/* every 100th file */
#define ROUNDS	11

#ifndef FAN_IOC_SET_FILTER
#define FAN_FILTER_NAME_MAX	16
#define FAN_IOC_SET_FILTER	_IOW(0xFA, 0x00, char[FAN_FILTER_NAME_MAX])
#endif

static char paths[NFILES][256];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fanotify_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static bool inside(int i)
{
	return i % (NFILES / INSIDE) == 0;
}

static void workload(void)
{
	for (int i = 0; i < NFILES; i++) {
		int fd = open(paths[i], O_WRONLY);

		if (fd < 0 || write(fd, "x", 1) != 1)
			die("%s: %s", paths[i], strerror(errno));
		close(fd);
	}
}

/* The watched directory's handle, as DFID_NAME records carry it. */
static struct {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
} watched;

/* Reads the queued events; returns how many, and in @kept those in the tree. */
static int drain(int group, int *kept)
{
	static __u64 buf[8192];	/* aligned for the event records */
	struct fanotify_event_metadata *md;
	int events = 0;
	ssize_t len;

	*kept = 0;
	while ((len = read(group, buf, sizeof(buf))) > 0) {
		for (md = (void *)buf; FAN_EVENT_OK(md, len); md = FAN_EVENT_NEXT(md, len)) {
			struct fanotify_event_info_fid *fid = (void *)(md + 1);
			struct file_handle *fh = (void *)fid->handle;

			events++;
			if (fh->handle_bytes == watched.fh.handle_bytes &&
			    !memcmp(fh->f_handle, watched.fh.f_handle, fh->handle_bytes))
				(*kept)++;
		}
	}
	if (errno != EAGAIN)
		die("read: %s", strerror(errno));
	return events;
}

static int group_open(const char *dir)
{
	int g = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK, O_RDONLY);

	if (g < 0)
		die("fanotify_init: %s", strerror(errno));
	if (fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, AT_FDCWD, dir))
		die("fanotify_mark: %s", strerror(errno));
	return g;
}

static void run(const char *id, const char *what, int group, int expect_events, bool last)
{
	__u64 t[ROUNDS];
	int events = 0, kept = 0;

	for (int r = 0; r < ROUNDS; r++) {
		__u64 t0 = now_ns();

		workload();
		if (group >= 0)
			events = drain(group, &kept);
		t[r] = now_ns() - t0;
		if (group >= 0 && (events != expect_events || kept != INSIDE))
			die("%s: %d events read, %d in the tree; expected %d and %d", id,
			    events, kept, expect_events, INSIDE);
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp_u64);
	printf("    {\"id\": \"%s\", \"what\": \"%s\", ", id, what);
	printf("\"events_per_round\": %d, \"per_event_median\": %llu, ", events,
	       (unsigned long long)(t[ROUNDS / 2] / NFILES));
	printf("\"per_event_min\": %llu}%s\n", (unsigned long long)(t[0] / NFILES),
	       last ? "" : ",");
}

int main(int argc, char **argv)
{
	char name[FAN_FILTER_NAME_MAX] = "bench_fan", in[128], out[128];
	struct bench_fanotify *skel;
	struct bpf_link *link;
	int mount_id, group, map;

	if (argc != 2)
		die("usage: fanotify_bench DIR");
	snprintf(in, sizeof(in), "%s/in", argv[1]);
	snprintf(out, sizeof(out), "%s/out", argv[1]);
	if (mkdir(in, 0700) || mkdir(out, 0700))
		die("mkdir: %s", strerror(errno));
	for (int i = 0; i < NFILES; i++) {
		int fd;

		snprintf(paths[i], sizeof(paths[i]), "%s/f%d", inside(i) ? in : out, i);
		fd = open(paths[i], O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			die("%s: %s", paths[i], strerror(errno));
		close(fd);
	}
	watched.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, in, &watched.fh, &mount_id, 0))
		die("name_to_handle_at %s: %s", in, strerror(errno));

	skel = bench_fanotify__open_and_load();
	if (!skel)
		die("loading the filter: %s", strerror(errno));
	link = bpf_map__attach_struct_ops(skel->maps.bench_fan);
	if (!link)
		die("registering the filter: %s", strerror(errno));
	map = bpf_map__fd(skel->maps.tags);
	for (int i = 0; i < NFILES; i += NFILES / INSIDE) {
		__u32 one = 1;
		int fd = open(paths[i], O_RDONLY);

		if (fd < 0 || bpf_map_update_elem(map, &fd, &one, BPF_ANY))
			die("tagging %s: %s", paths[i], strerror(errno));
		close(fd);
	}

	printf("{\"part\": \"fanotify\", \"files\": %d, ", NFILES);
	printf("\"inside\": %d, \"rounds\": %d, \"results\": [\n", INSIDE, ROUNDS);
	run("none", "the workload, no fanotify group", -1, 0, false);
	group = group_open(argv[1]);
	run("userspace", "filesystem mark, every event read, filtered in user space",
	    group, NFILES, false);
	if (ioctl(group, FAN_IOC_SET_FILTER, name))
		die("FAN_IOC_SET_FILTER: %s", strerror(errno));
	run("bpf", "filesystem mark, the BPF filter drops the events outside the tree",
	    group, INSIDE, true);
	printf("  ],\n  \"filter_calls\": %llu, \"filter_dropped\": %llu\n}\n",
	       (unsigned long long)skel->bss->calls, (unsigned long long)skel->bss->dropped);
	close(group);
	bpf_link__destroy(link);
	bench_fanotify__destroy(skel);
	return 0;
}
