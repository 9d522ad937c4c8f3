// SPDX-License-Identifier: GPL-2.0
/*
 * kfuncs for the inode add-on container (include/linux/inode_addons.h):
 * BPF inode storage for programs holding trusted or RCU inode pointers, and
 * which add-ons an inode carries.
 *
 * The storage kfuncs live next to the helpers, in
 * kernel/bpf/bpf_inode_storage.c, with the same context rules (NMI: find
 * only; see inode_storage_get()); their set is registered here.  What they
 * add over the helpers: the verifier requires a trusted or RCU inode
 * (KF_RCU), where the helpers also take the untrusted-but-not-marked
 * pointers of fentry arguments; bpf_inode_storage_lookup() returns sized
 * memory, so it needs no map-value-typed argument; and the verifier checks
 * the map and the flags once, at load time (check_inode_storage_kfunc()).
 */
#include <linux/bpf.h>
#include <linux/bpf_inode_storage.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/inode_addons.h>
#include <linux/rcupdate.h>

__bpf_kfunc_start_defs();

/**
 * bpf_inode_addons() - which add-ons an inode carries
 * @inode: a trusted or RCU-protected inode
 *
 * A lockless snapshot for introspection, see inode_addons_present().
 *
 * Context: any.
 *
 * Return: a mask of enum inode_addons_bits; 0 if @inode has no container,
 * or if its teardown has begun.
 */
__bpf_kfunc u32 bpf_inode_addons(struct inode *inode)
{
	if (!inode)
		return 0;
	/* A sleepable program may hold only RCU Tasks Trace. */
	guard(rcu)();
	return inode_addons_present(inode);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(bpf_inode_addons_kfunc_ids)
BTF_ID_FLAGS(func, bpf_inode_storage_lookup, KF_RCU | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_inode_storage_remove, KF_RCU)
BTF_ID_FLAGS(func, bpf_inode_addons, KF_RCU)
BTF_KFUNCS_END(bpf_inode_addons_kfunc_ids)

BTF_ID_LIST(bpf_inode_addons_kfunc_btf_ids)
BTF_ID(func, bpf_inode_storage_lookup)
BTF_ID(func, bpf_inode_addons)

/*
 * BPF_PROG_TYPE_TRACING, _LSM, _TRACEPOINT, _RAW_TRACEPOINT and _PERF_EVENT
 * share one kfunc hook (bpf_prog_type_to_kfunc_hook()), and every filter of
 * a hook sees every kfunc of the hook: answer 0 for the others.
 */
static int bpf_inode_addons_kfunc_filter(const struct bpf_prog *prog,
					 u32 kfunc_id)
{
	bool lookup = kfunc_id == bpf_inode_addons_kfunc_btf_ids[0];

	if (!btf_id_set8_contains(&bpf_inode_addons_kfunc_ids, kfunc_id))
		return 0;

	switch (prog->type) {
	case BPF_PROG_TYPE_LSM:
		/*
		 * Hook arguments are kept alive by the hook, but KF_RCU also
		 * takes RCU pointers, whose inode a sleepable program could see
		 * destroyed while it holds the value.
		 */
		return lookup && prog->sleepable ? -EACCES : 0;
	case BPF_PROG_TYPE_TRACING:
		/* Read-only and lockless: fine wherever a program runs. */
		if (kfunc_id == bpf_inode_addons_kfunc_btf_ids[1])
			return 0;
		/* Same rules as the tracing helpers, sleepable included. */
		return bpf_inode_storage_tracing_allowed(prog) ? 0 : -EACCES;
	default:
		/*
		 * Tracepoint and raw tracepoint programs have no inode pointer
		 * the verifier trusts; perf event programs run in NMI context.
		 * Extension programs: like socket storage, not supported.
		 */
		return -EACCES;
	}
}

static const struct btf_kfunc_id_set bpf_inode_addons_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &bpf_inode_addons_kfunc_ids,
	.filter	= bpf_inode_addons_kfunc_filter,
};

static int __init bpf_inode_addons_kfuncs_init(void)
{
	int ret;

	/* enum inode_addons_bits is only used as u32: put it in BTF anyway. */
	BTF_TYPE_EMIT_ENUM(INODE_ADDONS_CONTAINER);

	/*
	 * Both map to BTF_KFUNC_HOOK_TRACING today, so the second call only
	 * duplicates entries in the hook's sorted set (the filter is added
	 * once); it keeps LSM programs covered should the hooks be split.
	 */
	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING,
					&bpf_inode_addons_kfunc_set);
	return ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM,
						&bpf_inode_addons_kfunc_set);
}
late_initcall(bpf_inode_addons_kfuncs_init);
