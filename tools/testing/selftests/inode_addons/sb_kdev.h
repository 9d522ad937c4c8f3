/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the in-guest test programs (userspace): which filesystem BPF
 * programs see a path on, and ARRAY_SIZE().
 */
#ifndef IA_SB_KDEV_H
#define IA_SB_KDEV_H

#include <limits.h>
#include <stdio.h>
#include <string.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * The device of the filesystem @path is on, as the programs see it in
 * inode->i_sb->s_dev, in the kernel's encoding (MAJOR << 20 | MINOR).  Not
 * stat(2)'s st_dev: btrfs reports its subvolume's anonymous device there.
 * The superblock's is in /proc/self/mountinfo, on the line of the mount
 * whose mount point is the longest prefix of @path (the last one mounted
 * there, if several).  0 if none is found.
 */
static inline unsigned int sb_kdev(const char *path)
{
	char line[4096], mnt[PATH_MAX];
	unsigned int maj, min, kdev = 0;
	size_t len, best = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		len = strlen(mnt);
		if (strncmp(path, mnt, len) ||
		    (len > 1 && path[len] && path[len] != '/'))
			continue;
		if (len >= best) {
			best = len;
			kdev = maj << 20 | min;
		}
	}
	fclose(f);
	return kdev;
}

#endif /* IA_SB_KDEV_H */
