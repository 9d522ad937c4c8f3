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
struct cdev_inode;

/*
 * __INODE_ADDONS_IF(option, tokens...) - @tokens if Kconfig @option is y
 *
 * IS_ENABLED() at the preprocessor's token level, so that a list entry can
 * declare a struct member only when its subsystem is built in.
 */
#define __INODE_ADDONS_IF(option, ...)	___INODE_ADDONS_IF(IS_ENABLED(option), __VA_ARGS__)
#define ___INODE_ADDONS_IF(on, ...)	____INODE_ADDONS_IF(on, __VA_ARGS__)
#define ____INODE_ADDONS_IF(on, ...)	__INODE_ADDONS_IF_##on(__VA_ARGS__)
#define __INODE_ADDONS_IF_1(...)	__VA_ARGS__
#define __INODE_ADDONS_IF_0(...)

/**
 * INODE_ADDONS - the add-ons, one line each
 * @X: a macro called as X(BIT, CONFIG_OPTION, type, member) for each add-on
 *
 * The single declaration from which struct inode_addons, enum
 * inode_addons_bits and inode_addons_members() follow.  An entry names:
 *
 * - BIT: the add-on's bit in enum inode_addons_bits, INODE_ADDONS_<BIT>.
 *   Bits are numbered in list order after INODE_ADDONS_CONTAINER and exist
 *   whatever the configuration, so a BPF program built against one kernel
 *   reads the same bit names on another (they are ABI through BTF): append,
 *   never reorder.
 * - CONFIG_OPTION: the Kconfig symbol of the subsystem that owns the member;
 *   the member exists only when it is y, so an add-on whose subsystem is
 *   configured out costs nothing.
 * - type and member: the member of struct inode_addons.  It must be one
 *   machine word (a pointer, or a counter of the word's size), all-zero
 *   while the add-on is unused: a new container has every member zero
 *   (but the lock context that one made by a lock comes with), the dead
 *   one is all-zero, and inode_addons_members() reports a member in use
 *   when any of its bytes is not zero.
 *
 * The members:
 *
 * - i_flctx: the file lock context, see locks_inode_context();
 * - i_fsnotify_marks: the fsnotify mark connector, see
 *   fsnotify_inode_connp();
 * - i_bpf_storage: BPF inode-local storage, whose owner is the container
 *   itself; see kernel/bpf/bpf_inode_storage.c;
 * - i_cdev_inode: the entry of an opened character device inode on its
 *   cdev's list, see fs/char_dev.c (char_dev.c is always built);
 * - i_sequence: the number that identifies the inode in shared futex keys
 *   for its lifetime, see get_futex_key(); set once, on first use, and
 *   never released: it goes with the container.
 *
 * A new add-on is one line here, plus its subsystem's code: see
 * Documentation/filesystems/inode-addons.rst for which fields qualify.
 */
#define INODE_ADDONS(X)							\
	X(FLCTX,	CONFIG_FILE_LOCKING,					\
	  struct file_lock_context *,			i_flctx)		\
	X(FSNOTIFY,	CONFIG_FSNOTIFY,					\
	  struct fsnotify_mark_connector __rcu *,	i_fsnotify_marks)	\
	X(BPF_STORAGE,	CONFIG_BPF_INODE_STORAGE,				\
	  struct bpf_local_storage __rcu *,		i_bpf_storage)		\
	X(CDEV,		CONFIG_INODE_ADDONS,					\
	  struct cdev_inode *,				i_cdev_inode)		\
	X(FUTEX,	CONFIG_FUTEX,						\
	  atomic64_t,					i_sequence)

/* One member of struct inode_addons per add-on built in. */
#define __INODE_ADDONS_MEMBER(bit, option, type, member)			\
	__INODE_ADDONS_IF(option, type member;)

/**
 * struct inode_addons - rarely used per-inode pointers
 * @rcu: defers freeing past concurrent RCU readers
 *
 * One member per entry of INODE_ADDONS() whose subsystem is built in, then
 * @rcu.  Each member is owned by its subsystem, which publishes it with its
 * own ordering rules exactly as it did when the pointer lived in struct
 * inode.  The container only guarantees that, once returned by
 * inode_addons_get(), it stays allocated until an RCU grace period after
 * __destroy_inode().
 *
 * Two members stay set after __destroy_inode() and go with the container
 * (INODE_ADDONS_FREED_WITH_CONTAINER): the futex sequence number, a plain
 * value, and BPF storage, because BPF programs reach the container without
 * holding a reference on the inode (tracing programs, LSM hooks in RCU path
 * walk), inside an RCU read-side critical section, and may look up, create
 * or delete elements until the container is retired.  The RCU callback that
 * frees a retired container destroys the storage first, when no program can
 * reach it any more.
 */
struct inode_addons {
	/* private: the members, from INODE_ADDONS() */
	INODE_ADDONS(__INODE_ADDONS_MEMBER)
	/* public: */
	struct rcu_head				rcu;
};

#undef __INODE_ADDONS_MEMBER

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

/* The position of each add-on in INODE_ADDONS(), for its bit below. */
enum {
#define __INODE_ADDONS_INDEX(bit, option, type, member)	__INODE_ADDONS_INDEX_##bit,
	INODE_ADDONS(__INODE_ADDONS_INDEX)
#undef __INODE_ADDONS_INDEX
	__INODE_ADDONS_COUNT
};

/*
 * enum inode_addons_bits - which add-ons an inode carries
 *
 * INODE_ADDONS_CONTAINER: the inode has a live container; then one bit
 * INODE_ADDONS_<BIT> per entry of INODE_ADDONS(), in list order: FLCTX (a
 * file lock context), FSNOTIFY (an fsnotify mark connector), BPF_STORAGE
 * (BPF inode-local storage), CDEV (an opened character device's entry on
 * its cdev's list), FUTEX (a futex sequence number).
 *
 * Returned by inode_addons_present() and by the bpf_inode_addons() kfunc, so
 * the values are ABI for BPF programs (they reach them through BTF).  An inode
 * without a container, or whose teardown has begun, has none of them.
 */
enum inode_addons_bits {
	INODE_ADDONS_CONTAINER		= 1 << 0,
#define __INODE_ADDONS_BIT(bit, option, type, member)			\
	INODE_ADDONS_##bit = 1 << (__INODE_ADDONS_INDEX_##bit + 1),
	INODE_ADDONS(__INODE_ADDONS_BIT)
#undef __INODE_ADDONS_BIT
};

/*
 * The add-ons still set when the container is retired, which the container
 * takes with it: BPF storage, destroyed by the RCU callback that frees the
 * container, and the futex sequence number, a plain value.  Every other
 * owner releases its member before __destroy_inode().
 */
enum {
	INODE_ADDONS_FREED_WITH_CONTAINER = INODE_ADDONS_BPF_STORAGE | INODE_ADDONS_FUTEX,
};

#ifdef CONFIG_INODE_ADDONS

/* Used by `#[export]` in rust/inode_addons/inode_addons.rs. */
struct inode_addons *inode_addons_get(struct inode *inode);
struct inode_addons *inode_addons_get_nolock(struct inode *inode);
struct inode_addons *inode_addons_get_cache(struct inode *inode, gfp_t gfp);
struct inode_addons *inode_addons_get_flctx(struct inode *inode);
void inode_addons_destroy(struct inode *inode);
void inode_addons_reset(struct inode *inode);
void inode_addons_cache_init(void);
void inode_addons_read_stats(struct inode_addons_stats *stats);
u32 inode_addons_present(const struct inode *inode);
/* In debug.c, generated from INODE_ADDONS(); used by inode_addons.rs. */
u32 inode_addons_members(const struct inode_addons *addons);

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

#ifdef CONFIG_FAULT_INJECTION
/* Fault injection for the container allocation (fail_inode_addons=). */
bool inode_addons_should_fail(bool quiet);
extern struct fault_attr fail_inode_addons;
#endif

/**
 * inode_addons - the container of an inode, if it has one
 * @inode: the inode
 *
 * Lockless.  The acquire pairs with the fully ordered cmpxchg that
 * publishes the container in inode_addons_get(): whoever sees the pointer
 * sees its members as they were initialised, or later.  Members are read
 * with the subsystem's own rules (READ_ONCE/rcu_dereference/
 * smp_load_acquire).
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
 * inode_addons_flctx - where a container's own lock context would be
 * @addons: a container
 *
 * inode_addons_get_flctx() makes a container and the file lock context it
 * points to in one allocation, the context right after the container, for
 * the first lock on an inode that has no container.  Such a context is
 * freed with its container, not on its own: it came with @addons if, and
 * only if, @addons->i_flctx is the address returned here.  Only computes the
 * address; @addons may be any container.
 *
 * Return: the address right after @addons.
 */
static inline struct file_lock_context *
inode_addons_flctx(struct inode_addons *addons)
{
	return (struct file_lock_context *)(addons + 1);
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
