// SPDX-License-Identifier: GPL-2.0
/*
 * A fanotify filter that lets a group see only the events under the
 * directories user space tagged.  A tag is inode storage: user space tags a
 * directory by updating the map with an fd of it as the key, and the filter
 * gives a new directory entry the tag of its directory when it is created
 * or moved in, and takes the tag away when it is moved into an untagged
 * directory.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define FAN_MODIFY	0x00000002
#define FAN_CLOSE_WRITE	0x00000008
#define FAN_MOVED_FROM	0x00000040
#define FAN_MOVED_TO	0x00000080
#define FAN_CREATE	0x00000100
#define FAN_DELETE	0x00000200
#define FAN_RENAME	0x10000000
#define FAN_DIRENT	(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | \
			 FAN_RENAME)

struct tag {
	__u32 tagged;
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tag);
} tags SEC(".maps");

__u64 delivered;	/* events the filter let through */
__u64 dropped;		/* events the filter dropped */
__u64 retagged;		/* entries that took their new directory's tag */
__u64 untagged;		/* entries moved out of the tagged trees */

static bool is_tagged(struct inode *inode)
{
	return inode && bpf_inode_storage_get(&tags, inode, 0, 0);
}

SEC("struct_ops/filter")
int BPF_PROG(subtree_filter, struct fsnotify_group *group, struct inode *inode,
	     struct inode *dir, __u32 mask)
{
	struct tag tag = { .tagged = 1 };
	bool in;

	if (mask & FAN_DIRENT) {
		/* About a directory's entries: the directory decides. */
		in = is_tagged(dir);
		if (inode && (mask & (FAN_CREATE | FAN_MOVED_TO))) {
			if (in) {
				if (bpf_inode_storage_get(&tags, inode, &tag,
							  BPF_LOCAL_STORAGE_GET_F_CREATE))
					__sync_fetch_and_add(&retagged, 1);
			} else if (!bpf_inode_storage_delete(&tags, inode)) {
				__sync_fetch_and_add(&untagged, 1);
			}
		}
	} else {
		in = is_tagged(inode);
	}

	if (!in) {
		__sync_fetch_and_add(&dropped, 1);
		return FANOTIFY_FILTER_DROP;
	}
	__sync_fetch_and_add(&delivered, 1);
	return FANOTIFY_FILTER_DELIVER;
}

SEC(".struct_ops.link")
struct fanotify_filter_ops subtree = {
	.filter = (void *)subtree_filter,
	.name = "tp_subtree",
};
