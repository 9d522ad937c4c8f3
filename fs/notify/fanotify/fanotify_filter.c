// SPDX-License-Identifier: GPL-2.0
/*
 * BPF filters for fanotify groups.
 *
 * A filter is a struct fanotify_filter_ops implemented by a BPF struct_ops
 * map.  Registering the map (attaching its link) publishes the filter under
 * its name; a privileged group selects it by name with the
 * FAN_IOC_SET_FILTER ioctl, as a socket selects a congestion control
 * algorithm by name.  From then on fanotify_handle_event() calls the filter
 * for every notification event of the group, after the group's marks have
 * matched the event and before the event is allocated and queued, and drops
 * the event when the filter says so.
 *
 * Lifetime: a group that selects a filter holds a reference on its
 * struct_ops map, so the programs stay loaded while any group uses them,
 * even after the link that published the filter is gone.  The reference is
 * dropped when the group selects another filter or none, and when the
 * group's file is released.  Callers run the filter under rcu_read_lock(),
 * and a struct_ops map is freed only after an RCU grace period and an RCU
 * Tasks grace period (bpf_struct_ops_map_free()), so dropping the reference
 * needs no synchronisation of its own.
 *
 * The filter runs in the context fsnotify runs in: process context, with
 * the locks of the operation that generated the event held (the parent
 * directory's i_rwsem for a directory entry event, for example).  It must
 * not sleep.  It may use inode storage (bpf_inode_storage_get() and
 * bpf_inode_storage_delete()) on the inodes it is given, which the
 * operation keeps alive.
 */

#include <linux/bpf.h>
#include <linux/bpf_inode_storage.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/fanotify.h>
#include <linux/fsnotify_backend.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fanotify.h"

/* The published filters, by unique name. */
static DEFINE_SPINLOCK(fanotify_filters_lock);
static LIST_HEAD(fanotify_filters);

static struct fanotify_filter_ops *fanotify_filter_find(const char *name)
{
	struct fanotify_filter_ops *ops;

	lockdep_assert_held(&fanotify_filters_lock);
	list_for_each_entry(ops, &fanotify_filters, list)
		if (!strcmp(ops->name, name))
			return ops;
	return NULL;
}

/**
 * fanotify_filter_drop - run a group's filter on an event
 * @group: the group, which has a filter
 * @mask: the event's mask, as fanotify_group_event_mask() computed it
 * @data: the event's object
 * @data_type: the type of @data
 * @dir: the directory of a directory entry event, or NULL
 *
 * Return: true if the group's filter drops the event.
 */
bool fanotify_filter_drop(struct fsnotify_group *group, u32 mask,
			  const void *data, int data_type, struct inode *dir)
{
	struct fanotify_filter_ops *ops;
	bool drop = false;

	rcu_read_lock();
	ops = rcu_dereference(group->fanotify_data.filter);
	if (ops)
		drop = ops->filter(group, fsnotify_data_inode(data, data_type),
				   dir, mask) == FANOTIFY_FILTER_DROP;
	rcu_read_unlock();
	return drop;
}

static void fanotify_filter_replace(struct fsnotify_group *group,
				    struct fanotify_filter_ops *ops)
{
	struct fanotify_filter_ops *old;

	fsnotify_group_lock(group);
	old = rcu_replace_pointer(group->fanotify_data.filter, ops,
				  lockdep_is_held(&group->mark_mutex));
	fsnotify_group_unlock(group);
	if (old)
		bpf_module_put(old, old->owner);
}

/**
 * fanotify_filter_set - the FAN_IOC_SET_FILTER ioctl
 * @group: the group
 * @uname: the name of a published filter, or "" for none
 *
 * Return: 0, or -EPERM if the caller lacks CAP_SYS_ADMIN or the group was
 * created without it, -ENOENT if no filter has that name, -ENAMETOOLONG,
 * -EFAULT.
 */
long fanotify_filter_set(struct fsnotify_group *group, const char __user *uname)
{
	struct fanotify_filter_ops *ops = NULL;
	char name[FAN_FILTER_NAME_MAX];
	long len;

	/*
	 * A filter sees every event the group's marks match, with the inodes,
	 * before any of the checks that limit what an unprivileged listener
	 * is told: only privileged groups may have one.
	 */
	if (!capable(CAP_SYS_ADMIN) || FAN_GROUP_FLAG(group, FANOTIFY_UNPRIV))
		return -EPERM;

	len = strncpy_from_user(name, uname, sizeof(name));
	if (len < 0)
		return len;
	if (len == sizeof(name))
		return -ENAMETOOLONG;

	if (len) {
		spin_lock(&fanotify_filters_lock);
		ops = fanotify_filter_find(name);
		if (ops && !bpf_try_module_get(ops, ops->owner))
			ops = NULL;
		spin_unlock(&fanotify_filters_lock);
		if (!ops)
			return -ENOENT;
	}

	fanotify_filter_replace(group, ops);
	return 0;
}

/**
 * fanotify_filter_release - drop a group's filter
 * @group: a group whose file is being released
 */
void fanotify_filter_release(struct fsnotify_group *group)
{
	fanotify_filter_replace(group, NULL);
}

static int fanotify_filter_reg(void *kdata, struct bpf_link *link)
{
	struct fanotify_filter_ops *ops = kdata;
	int err = 0;

	spin_lock(&fanotify_filters_lock);
	if (fanotify_filter_find(ops->name))
		err = -EEXIST;
	else
		list_add_tail(&ops->list, &fanotify_filters);
	spin_unlock(&fanotify_filters_lock);
	return err;
}

/* Groups that selected the filter keep it until they drop it. */
static void fanotify_filter_unreg(void *kdata, struct bpf_link *link)
{
	struct fanotify_filter_ops *ops = kdata;

	spin_lock(&fanotify_filters_lock);
	list_del(&ops->list);
	spin_unlock(&fanotify_filters_lock);
}

static int fanotify_filter_validate(void *kdata)
{
	struct fanotify_filter_ops *ops = kdata;

	return ops->filter ? 0 : -EINVAL;
}

static int fanotify_filter_init_member(const struct btf_type *t,
				       const struct btf_member *member,
				       void *kdata, const void *udata)
{
	const struct fanotify_filter_ops *uops = udata;
	struct fanotify_filter_ops *ops = kdata;

	if (__btf_member_bit_offset(t, member) / 8 !=
	    offsetof(struct fanotify_filter_ops, name))
		return 0;
	/* Letters, digits, '_' and '.'; not empty. */
	if (bpf_obj_name_cpy(ops->name, uops->name, sizeof(ops->name)) <= 0)
		return -EINVAL;
	return 1;
}

static int fanotify_filter_check_member(const struct btf_type *t,
					const struct btf_member *member,
					const struct bpf_prog *prog)
{
	/* Called with locks held and under rcu_read_lock(). */
	return prog->sleepable ? -EINVAL : 0;
}

static int fanotify_filter_btf_init(struct btf *btf)
{
	return 0;
}

static const struct bpf_func_proto *
fanotify_filter_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
#if defined(CONFIG_BPF_INODE_STORAGE) && defined(CONFIG_INODE_ADDONS)
	/*
	 * The inodes the filter gets are kept alive by the operation that
	 * generated the event, as an LSM hook's are: the LSM protos apply.
	 * Without the add-on container inode storage would need the BPF
	 * LSM's blob, which may not exist.
	 */
	case BPF_FUNC_inode_storage_get:
		return &bpf_inode_storage_get_proto;
	case BPF_FUNC_inode_storage_delete:
		return &bpf_inode_storage_delete_proto;
#endif
	default:
		return bpf_base_func_proto(func_id, prog);
	}
}

static bool fanotify_filter_is_valid_access(int off, int size,
					    enum bpf_access_type type,
					    const struct bpf_prog *prog,
					    struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

/* No btf_struct_access: everything the filter is given is read-only. */
static const struct bpf_verifier_ops fanotify_filter_verifier_ops = {
	.get_func_proto		= fanotify_filter_func_proto,
	.is_valid_access	= fanotify_filter_is_valid_access,
};

/* CFI stubs; their argument names tell the verifier what may be NULL. */
static int fanotify_filter_stub(struct fsnotify_group *group,
				struct inode *inode__nullable,
				struct inode *dir__nullable, u32 mask)
{
	return FANOTIFY_FILTER_DELIVER;
}

static struct fanotify_filter_ops fanotify_filter_cfi_stubs = {
	.filter = fanotify_filter_stub,
};

static struct bpf_struct_ops bpf_fanotify_filter_ops = {
	.verifier_ops	= &fanotify_filter_verifier_ops,
	.init		= fanotify_filter_btf_init,
	.check_member	= fanotify_filter_check_member,
	.init_member	= fanotify_filter_init_member,
	.reg		= fanotify_filter_reg,
	.unreg		= fanotify_filter_unreg,
	.validate	= fanotify_filter_validate,
	.cfi_stubs	= &fanotify_filter_cfi_stubs,
	.name		= "fanotify_filter_ops",
	.owner		= THIS_MODULE,
};

static int __init fanotify_filter_init(void)
{
	BTF_TYPE_EMIT_ENUM(FANOTIFY_FILTER_DROP);
	return register_bpf_struct_ops(&bpf_fanotify_filter_ops,
				       fanotify_filter_ops);
}
late_initcall(fanotify_filter_init);
