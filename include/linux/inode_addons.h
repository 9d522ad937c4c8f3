/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lazily allocated per-inode container for rarely used pointers.
 *
 * Most inodes never carry a file lock, an fsnotify mark or BPF local
 * storage, yet each of those used to cost a pointer in every struct inode.
 * They live in struct inode_addons instead, reached through the single
 * pointer inode->i_addons, which stays NULL until the first user needs the
 * container.  The container is implemented in Rust (rust/inode_addons/).
 *
 * Lifetime: the container is published once with a fully ordered cmpxchg and
 * is never replaced while the inode lives.  __destroy_inode() retires it:
 * from then on i_addons points at a shared, read-only "dead" container whose
 * members are all NULL, so lockless readers need no extra test, and
 * inode_addons_get() refuses to create a new one.  The retired container is
 * freed after an RCU grace period, because RCU path walk and BPF programs
 * may still be reading it; its BPF storage is destroyed then too, when no
 * program can reach it any more.  inode_init_always() resets i_addons to
 * NULL with inode_addons_reset(), so filesystems that recycle inodes (XFS)
 * start again from an empty state, and retires the container if it fails.
 */
#ifndef _LINUX_INODE_ADDONS_H
#define _LINUX_INODE_ADDONS_H

#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct fsnotify_mark_connector;
struct bpf_local_storage;
struct file_lock_context;

/**
 * struct inode_addons - rarely used per-inode pointers
 * @i_fsnotify_marks: fsnotify mark connector, see fsnotify_inode_connp()
 * @i_bpf_storage: BPF inode-local storage, whose owner is the container
 *	itself; see kernel/bpf/bpf_inode_storage.c
 * @i_flctx: file lock context, see locks_inode_context()
 * @rcu: defers freeing past concurrent RCU readers
 *
 * Each member is owned by its subsystem, which publishes it with its own
 * ordering rules exactly as it did when the pointer lived in struct inode.
 * The container only guarantees that, once returned by inode_addons_get(),
 * it stays allocated until an RCU grace period after __destroy_inode().
 *
 * BPF storage is the one member that __destroy_inode() leaves in place: BPF
 * programs reach the container without holding a reference on the inode
 * (tracing programs, LSM hooks in RCU path walk), inside an RCU read-side
 * critical section, and may look up, create or delete elements until the
 * container is retired.  The RCU callback that frees a retired container
 * destroys the storage first, when no program can reach it any more.
 */
struct inode_addons {
	struct fsnotify_mark_connector __rcu	*i_fsnotify_marks;
	struct bpf_local_storage __rcu		*i_bpf_storage;
	struct file_lock_context		*i_flctx;
	struct rcu_head				rcu;
};

/**
 * struct inode_addons_stats - counters of the container cache
 * @allocated: containers allocated, including those that lost a race
 * @freed: containers freed, immediately or after RCU
 * @races_lost: allocations freed because another task published first
 * @refused: creations refused because the inode was being torn down
 * @failed: creations that failed to allocate
 */
struct inode_addons_stats {
	u64 allocated;
	u64 freed;
	u64 races_lost;
	u64 refused;
	u64 failed;
};

/**
 * enum inode_addons_bits - which add-ons an inode carries
 * @INODE_ADDONS_CONTAINER: the inode has a live container
 * @INODE_ADDONS_FLCTX: a file lock context (i_flctx)
 * @INODE_ADDONS_FSNOTIFY: an fsnotify mark connector (i_fsnotify_marks)
 * @INODE_ADDONS_BPF_STORAGE: BPF inode-local storage (i_bpf_storage)
 *
 * Returned by inode_addons_present() and by the bpf_inode_addons() kfunc, so
 * the values are ABI for BPF programs (they reach them through BTF).  An inode
 * without a container, or whose teardown has begun, has none of them.
 */
enum inode_addons_bits {
	INODE_ADDONS_CONTAINER		= 1 << 0,
	INODE_ADDONS_FLCTX		= 1 << 1,
	INODE_ADDONS_FSNOTIFY		= 1 << 2,
	INODE_ADDONS_BPF_STORAGE	= 1 << 3,
};

#ifdef CONFIG_INODE_ADDONS

/* Used by `#[export]` in rust/inode_addons/inode_addons.rs. */
struct inode_addons *inode_addons_get(struct inode *inode);
struct inode_addons *inode_addons_get_nolock(struct inode *inode);
struct inode_addons *inode_addons_get_cache(struct inode *inode, gfp_t gfp);
void inode_addons_destroy(struct inode *inode);
void inode_addons_reset(struct inode *inode);
void inode_addons_cache_init(void);
void inode_addons_read_stats(struct inode_addons_stats *stats);
u32 inode_addons_present(const struct inode *inode);

#ifdef CONFIG_BPF_INODE_STORAGE
/*
 * Implemented in kernel/bpf/bpf_inode_storage.c; called by the container's
 * RCU callback in rust/inode_addons/inode_addons.rs, hence declared here.
 * The only place where the BPF storage of a container is destroyed.
 */
void bpf_inode_storage_destroy(struct inode_addons *addons);
#endif

#ifdef CONFIG_DEBUG_KMEMLEAK
/* kmemleak for the containers made by kmem_cache_alloc_nolock(), in debug.c. */
void inode_addons_kmemleak_mark(struct inode_addons *addons);
void inode_addons_kmemleak_track(struct inode_addons *addons);
void inode_addons_kmemleak_wait(struct inode_addons *addons);
#ifdef CONFIG_INODE_ADDONS_KUNIT_TEST
/* For the kmemleak self-test in debug.c; in inode_addons.rs. */
struct inode_addons *inode_addons_kmemleak_selftest_get(struct inode *inode);
#endif
#endif

/* Fault injection for the container allocation (fail_inode_addons=). */
bool inode_addons_should_fail(bool quiet);
#ifdef CONFIG_FAULT_INJECTION
extern struct fault_attr fail_inode_addons;
#endif

/**
 * inode_addons - the container of an inode, if it has one
 * @inode: the inode
 *
 * Lockless.  The acquire pairs with the fully ordered cmpxchg that
 * publishes the container in inode_addons_get(): whoever sees the pointer
 * sees it zeroed.  Members are read with the subsystem's own rules
 * (READ_ONCE/rcu_dereference/smp_load_acquire).
 *
 * Return: the container of @inode; NULL if none was ever created; once
 * teardown has begun, a shared container whose members are all NULL.
 */
static inline struct inode_addons *inode_addons(const struct inode *inode)
{
	/* Pairs with the cmpxchg that publishes the container. */
	return smp_load_acquire(&inode->i_addons);
}

/**
 * inode_addons_get_gfp - the container of an inode, created with @gfp if needed
 * @inode: the inode, kept alive by the caller
 * @gfp: how the container may be allocated
 *
 * For callers that do not know their context statically, BPF local storage
 * first.  @gfp picks one of two allocation modes:
 *
 * - it allows spinning (GFP_KERNEL, GFP_NOFS, GFP_NOWAIT, GFP_ATOMIC...):
 *   from the container cache with @gfp as it is, modifiers included, so
 *   GFP_NOFS does not recurse into the filesystem; may sleep if @gfp allows
 *   blocking;
 * - it does not, e.g. 0: inode_addons_get_nolock(), from the same cache
 *   through kmem_cache_alloc_nolock(), which takes no lock that can
 *   deadlock and works in any context, NMI included.  What BPF programs
 *   use: they may run with any lock held, the slab's included.
 *
 * The container stays allocated until an RCU grace period after
 * __destroy_inode(): callers that may race with teardown must use it inside
 * an RCU read-side critical section.
 *
 * Return: the container of @inode, ERR_PTR(-ENOMEM), or ERR_PTR(-ESTALE)
 * once teardown of @inode has begun; never NULL.
 */
static inline struct inode_addons *
inode_addons_get_gfp(struct inode *inode, gfp_t gfp)
{
	might_sleep_if(gfpflags_allow_blocking(gfp));
	if (gfpflags_allow_spinning(gfp))
		return inode_addons_get_cache(inode, gfp);
	return inode_addons_get_nolock(inode);
}

#else /* !CONFIG_INODE_ADDONS */

static inline void inode_addons_destroy(struct inode *inode) { }
static inline void inode_addons_reset(struct inode *inode) { }
static inline void inode_addons_cache_init(void) { }

#endif /* CONFIG_INODE_ADDONS */

#endif /* _LINUX_INODE_ADDONS_H */
