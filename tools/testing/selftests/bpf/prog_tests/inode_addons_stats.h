/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The add-on container's statistics (CONFIG_INODE_ADDONS, debugfs), for the
 * inode storage tests: the live container count, and waiting for it to
 * settle.  After test_progs.h.
 */
#ifndef __INODE_ADDONS_STATS_H
#define __INODE_ADDONS_STATS_H

#define ADDONS_STATS	"/sys/kernel/debug/inode_addons/stats"

/* Live containers (allocated - freed), or -1. */
static inline long long addons_live(void)
{
	long long v, live = -1;
	char key[32];
	FILE *f = fopen(ADDONS_STATS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%31s %lld", key, &v) == 2)
		if (!strcmp(key, "live"))
			live = v;
	fclose(f);
	return live;
}

static inline void evict_unused(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		return;
	if (write(fd, "3", 1) != 1)
		perror("/proc/sys/vm/drop_caches");
	close(fd);
}

/*
 * Evicts what can be evicted and waits for the RCU-deferred frees, up to
 * 10 s: until the live count is at most @target, or, for a negative
 * @target, until it stopped moving.
 */
static inline long long settle(long long target)
{
	long long live = -1, last = -2;
	int i, same = 0;

	for (i = 0; i < 50; i++) {
		evict_unused();
		kern_sync_rcu();
		usleep(200000);
		live = addons_live();
		if (target >= 0 && live <= target)
			break;
		same = live == last ? same + 1 : 0;
		if (target < 0 && same >= 2)
			break;
		last = live;
	}
	return live;
}

#endif /* __INODE_ADDONS_STATS_H */
