// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel half of fanotify-subtree: a fanotify filter (struct_ops
 * fanotify_filter_ops) that lets the tool's group see only the events under
 * the directories the tool tagged.
 *
 * A tag is a value in BPF inode storage.  The tool tags its directories
 * from user space (a map update keyed by an fd of the directory); the
 * filter, called for each event before it is queued, gives an entry created
 * or moved into a tagged directory the tag, and takes it from an entry moved
 * into an untagged one.  Which tree an event belongs to is then one storage
 * lookup: of the directory for a directory entry event (create, delete,
 * move), of the inode for the others.
 *
 * Tags belong to inodes, not paths: a file hard-linked out of the tree keeps
 * its tag, and the entries inside a directory moved across the tree's edge
 * keep theirs (only the directory itself is re-tagged).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "fanotify_subtree.h"

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct subtree_tag);
} tags SEC(".maps");

struct subtree_counts counts;

static struct subtree_tag *tag_of(struct inode *inode)
{
	return inode ? bpf_inode_storage_get(&tags, inode, 0, 0) : NULL;
}

/* @inode was created in or moved into @dir: it takes @dir's tag, or none. */
static void inherit(struct inode *inode, struct subtree_tag *parent)
{
	struct subtree_tag *t;

	if (!parent) {
		if (!bpf_inode_storage_delete(&tags, inode))
			__sync_fetch_and_add(&counts.untagged, 1);
		return;
	}
	t = bpf_inode_storage_get(&tags, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		/* No memory: the entry stays out of the tree. */
		__sync_fetch_and_add(&counts.tag_failures, 1);
		return;
	}
	t->depth = parent->depth + 1;
	__sync_fetch_and_add(&counts.tagged, 1);
}

SEC("struct_ops/filter")
int BPF_PROG(subtree_filter, struct fsnotify_group *group, struct inode *inode,
	     struct inode *dir, __u32 mask)
{
	struct subtree_tag *t;

	if (mask & SUBTREE_DIRENT_EVENTS) {
		t = tag_of(dir);
		if (inode && (mask & (SUBTREE_FAN_CREATE | SUBTREE_FAN_MOVED_TO)))
			inherit(inode, t);
	} else {
		t = tag_of(inode);
	}

	if (!t) {
		__sync_fetch_and_add(&counts.dropped, 1);
		return FANOTIFY_FILTER_DROP;
	}
	__sync_fetch_and_add(&counts.delivered, 1);
	return FANOTIFY_FILTER_DELIVER;
}

/* The tool renames it (the name is unique system-wide) before loading. */
SEC(".struct_ops.link")
struct fanotify_filter_ops subtree = {
	.filter = (void *)subtree_filter,
	.name = "subtree",
};
