// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the inode add-on container, through the C API that the
 * VFS, fsnotify, file locking and BPF use.
 */
#include <kunit/test.h>
#include <asm/sections.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/fault-inject.h>
#include <linux/filelock.h>
#include <linux/fsnotify_backend.h>
#include <linux/fs.h>
#include <linux/inode_addons.h>
#include <linux/kthread.h>
#include <linux/mount.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/kmem.h>

/* Atomic context, no warning: what a spinlock holder passes. */
#define NOWAIT	(GFP_NOWAIT | __GFP_NOWARN)

#define RACE_WORKERS	8
#define RACE_INODES	1000

struct addons_test_ctx {
	struct vfsmount *mnt;
};

static struct super_block *test_sb(struct kunit *test)
{
	struct addons_test_ctx *ctx = test->priv;

	return ctx->mnt->mnt_sb;
}

static struct inode *fresh_inode(struct kunit *test)
{
	struct inode *inode = new_inode(test_sb(test));

	KUNIT_ASSERT_NOT_NULL(test, inode);
	return inode;
}

static struct inode_addons_stats stats(void)
{
	struct inode_addons_stats s;

	inode_addons_read_stats(&s);
	return s;
}

/*
 * The counters once the containers that earlier tests retired are freed:
 * their RCU callbacks would otherwise land in the middle of this test.
 */
static struct inode_addons_stats settled_stats(void)
{
	rcu_barrier();
	return stats();
}

/* What inode_addons_present() says about @inode, as the kfunc would. */
static u32 present(struct inode *inode)
{
	u32 bits;

	rcu_read_lock();
	bits = inode_addons_present(inode);
	rcu_read_unlock();
	return bits;
}

/* A fresh inode has no container; the first get creates it, the next reuses it. */
static void addons_lazy_test(struct kunit *test)
{
	struct inode_addons_stats before = stats(), after;
	struct inode *inode = fresh_inode(test);
	struct inode_addons *a, *b;

	KUNIT_EXPECT_NULL(test, inode_addons(inode));
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated);

	a = inode_addons_get(inode);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	KUNIT_EXPECT_PTR_EQ(test, inode_addons(inode), a);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(a, offsetof(struct inode_addons, rcu)));
	KUNIT_EXPECT_EQ(test, inode_addons_members(a), 0);

	b = inode_addons_get(inode);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get_gfp(inode, NOWAIT), a);
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated + 1);

	iput(inode);
}

/*
 * INODE_ADDONS() generates the struct, the bits and inode_addons_members():
 * the bits keep the values BPF programs were built with, each entry has its
 * own bit in list order, setting one member of a private container reports
 * exactly that bit, and the members built in are all the struct holds
 * besides its rcu_head.
 */
static void addons_list_test(struct kunit *test)
{
	struct inode_addons *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	size_t bytes = 0;
	u32 seen = 0;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, inode_addons_members(a), 0);
	KUNIT_EXPECT_EQ(test, (u32)INODE_ADDONS_FLCTX, 1u << 1);
	KUNIT_EXPECT_EQ(test, (u32)INODE_ADDONS_FSNOTIFY, 1u << 2);
	KUNIT_EXPECT_EQ(test, (u32)INODE_ADDONS_BPF_STORAGE, 1u << 3);
	KUNIT_EXPECT_EQ(test, (u32)INODE_ADDONS_CDEV, 1u << 4);
	KUNIT_EXPECT_EQ(test, (u32)INODE_ADDONS_FUTEX, 1u << 5);

#define __INODE_ADDONS_CASE(bit, option, type, member)			\
	KUNIT_EXPECT_EQ(test, (u32)INODE_ADDONS_##bit,			\
			2u << __INODE_ADDONS_INDEX_##bit);			\
	KUNIT_EXPECT_FALSE(test, seen & INODE_ADDONS_##bit);		\
	seen |= INODE_ADDONS_##bit;						\
	__INODE_ADDONS_IF(option,						\
		memset((void *)&a->member, 0xa5, sizeof(a->member));		\
		KUNIT_EXPECT_EQ_MSG(test, inode_addons_members(a),		\
				    (u32)INODE_ADDONS_##bit, #member);		\
		memset((void *)&a->member, 0, sizeof(a->member));		\
		bytes += sizeof(a->member);)
	INODE_ADDONS(__INODE_ADDONS_CASE)
#undef __INODE_ADDONS_CASE

	KUNIT_EXPECT_EQ(test, seen, (u32)GENMASK(__INODE_ADDONS_COUNT, 1));
	KUNIT_EXPECT_EQ(test, bytes + sizeof(struct rcu_head), sizeof(*a));
}

static DEFINE_SPINLOCK(atomic_test_lock);

/* Under a spinlock (GFP_NOWAIT), the container is created without sleeping. */
static void addons_atomic_context_test(struct kunit *test)
{
	struct inode *inode = fresh_inode(test);
	struct inode_addons *a;

	spin_lock(&atomic_test_lock);
	a = inode_addons_get_gfp(inode, NOWAIT);
	spin_unlock(&atomic_test_lock);
	/* GFP_NOWAIT may fail under memory pressure; it must not return NULL. */
	KUNIT_ASSERT_NOT_NULL(test, a);
	if (!IS_ERR(a))
		KUNIT_EXPECT_PTR_EQ(test, inode_addons(inode), a);
	else
		KUNIT_EXPECT_EQ(test, PTR_ERR(a), -ENOMEM);
	iput(inode);
}

/*
 * The variant for BPF programs creates a container with interrupts disabled
 * (it would in NMI context too), from the container cache like the others
 * (kmem_cache_alloc_nolock(); its objects are the size of the cache's, not
 * of a kmalloc bucket), and the container is freed like the others.
 */
static void addons_nolock_test(struct kunit *test)
{
	struct inode_addons_stats before = stats(), after;
	struct inode *inode = fresh_inode(test), *other;
	struct inode_addons *a, *b;
	unsigned long flags;

	KUNIT_EXPECT_EQ(test, present(inode), 0);

	local_irq_save(flags);
	a = inode_addons_get_gfp(inode, 0);	/* no gfp: the nolock variant */
	local_irq_restore(flags);
	KUNIT_ASSERT_NOT_NULL(test, a);
	if (IS_ERR(a)) {
		/* The nolock allocator fails on a lost trylock, not just on OOM. */
		KUNIT_EXPECT_EQ(test, PTR_ERR(a), -ENOMEM);
		iput(inode);
		return;
	}
	KUNIT_EXPECT_PTR_EQ(test, inode_addons(inode), a);
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get(inode), a);
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get_nolock(inode), a);

	KUNIT_EXPECT_EQ(test, present(inode), (u32)INODE_ADDONS_CONTAINER);

	other = fresh_inode(test);
	b = inode_addons_get(other);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, ksize(a), ksize(b));
	iput(other);

	iput(inode);	/* evicts: new_inode() inodes are unhashed */
	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_GE(test, after.allocated, before.allocated + 1);
	KUNIT_EXPECT_GE(test, after.freed, before.freed + 1);
}

struct race_worker {
	struct inode **inodes;
	struct inode_addons **seen;
	struct completion *start;
	struct completion done;
	unsigned int id;
	int errors;
};

static int race_worker_fn(void *data)
{
	struct race_worker *w = data;
	unsigned int i, idx;

	wait_for_completion(w->start);
	for (i = 0; i < RACE_INODES; i++) {
		/* Half the workers walk backwards so that they meet the others. */
		idx = (w->id & 1) ? RACE_INODES - 1 - i : i;
		w->seen[idx] = inode_addons_get(w->inodes[idx]);
		if (IS_ERR_OR_NULL(w->seen[idx]))
			w->errors++;
		if (!(i % 64))
			cond_resched();
	}
	complete(&w->done);
	return 0;
}

/*
 * RACE_WORKERS threads race get-or-create on each of RACE_INODES fresh
 * inodes: each inode ends with exactly one container, every worker got
 * that one, and every loser's allocation was freed.
 */
static void addons_race_test(struct kunit *test)
{
	struct inode_addons_stats before, after;
	struct race_worker *w;
	struct inode **inodes;
	DECLARE_COMPLETION_ONSTACK(start);
	unsigned int i, j, mismatches = 0;
	u64 allocated, freed;

	inodes = kunit_kcalloc(test, RACE_INODES, sizeof(*inodes), GFP_KERNEL);
	w = kunit_kcalloc(test, RACE_WORKERS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inodes);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < RACE_INODES; i++)
		inodes[i] = fresh_inode(test);

	before = settled_stats();
	for (j = 0; j < RACE_WORKERS; j++) {
		struct task_struct *t;

		w[j].inodes = inodes;
		w[j].seen = kunit_kcalloc(test, RACE_INODES, sizeof(*w[j].seen),
					  GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w[j].seen);
		w[j].start = &start;
		w[j].id = j;
		init_completion(&w[j].done);
		t = kthread_run(race_worker_fn, &w[j], "addons_race/%u", j);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	complete_all(&start);
	for (j = 0; j < RACE_WORKERS; j++)
		wait_for_completion(&w[j].done);
	after = stats();

	for (j = 0; j < RACE_WORKERS; j++)
		KUNIT_EXPECT_EQ(test, w[j].errors, 0);
	for (i = 0; i < RACE_INODES; i++) {
		struct inode_addons *a = inode_addons(inodes[i]);

		for (j = 0; j < RACE_WORKERS; j++)
			if (w[j].seen[i] != a)
				mismatches++;
	}
	KUNIT_EXPECT_EQ(test, mismatches, 0);

	allocated = after.allocated - before.allocated;
	freed = after.freed - before.freed;
	KUNIT_EXPECT_EQ(test, allocated - freed, (u64)RACE_INODES);
	KUNIT_EXPECT_EQ(test, after.races_lost - before.races_lost, freed);
	kunit_info(test, "%u workers x %u inodes: %llu allocated, %llu races lost\n",
		   RACE_WORKERS, RACE_INODES, allocated, freed);

	for (i = 0; i < RACE_INODES; i++)
		iput(inodes[i]);
	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, allocated);
}

struct rcu_reader {
	struct inode_addons *addons;
	struct completion locked;
	struct completion done;
	bool release;
	bool saw_zeroed;
};

static int rcu_reader_fn(void *data)
{
	struct rcu_reader *r = data;

	rcu_read_lock();
	complete(&r->locked);
	while (!READ_ONCE(r->release))
		cpu_relax();
	/* Still inside the read-side section that began before eviction. */
	r->saw_zeroed = !inode_addons_members(r->addons);
	rcu_read_unlock();
	complete(&r->done);
	return 0;
}

/*
 * Evicting an inode retires its container, which is freed only after the
 * RCU readers that could have loaded it are gone.
 */
static void addons_evict_frees_after_rcu_test(struct kunit *test)
{
	struct inode_addons_stats before, after;
	struct task_struct *t;
	struct rcu_reader r = {};
	struct inode *inode;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second CPU for the RCU reader");
	/*
	 * Flush the callbacks of earlier tests: their grace periods may end
	 * while the reader holds RCU, and their frees would be counted.
	 */
	rcu_barrier();
	inode = fresh_inode(test);
	r.addons = inode_addons_get(inode);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(r.addons));
	init_completion(&r.locked);
	init_completion(&r.done);
	t = kthread_run(rcu_reader_fn, &r, "addons_rcu_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&r.locked);

	before = stats();
	iput(inode);	/* evicts: new_inode() inodes are unhashed */
	after = stats();
	/* No grace period that starts now can end while the reader holds RCU. */
	KUNIT_EXPECT_EQ(test, after.freed, before.freed);

	WRITE_ONCE(r.release, true);
	wait_for_completion(&r.done);
	KUNIT_EXPECT_TRUE(test, r.saw_zeroed);

	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, after.freed, before.freed + 1);
}

/*
 * Once teardown has begun nothing is created, and re-initialisation starts
 * over: the sequence XFS runs on the inodes it recycles.
 */
static void addons_refused_after_teardown_test(struct kunit *test)
{
	struct inode_addons_stats before, after;
	struct inode_addons *a, *dead;
	struct inode *inode;

	inode = kunit_kzalloc(test, sizeof(*inode), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inode);
	inode_init_once(inode);
	KUNIT_ASSERT_EQ(test, inode_init_always(test_sb(test), inode), 0);
	before = settled_stats();

	a = inode_addons_get(inode);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	__destroy_inode(inode);

	dead = inode_addons(inode);
	KUNIT_ASSERT_NOT_NULL(test, dead);
	KUNIT_EXPECT_PTR_NE(test, dead, a);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(dead, sizeof(*dead)));
	KUNIT_EXPECT_EQ(test, inode_addons_members(dead), 0);
	/* Shared by every dying inode: read-only, so a stray write faults. */
	KUNIT_EXPECT_TRUE(test, is_kernel_rodata((unsigned long)dead));
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get(inode), ERR_PTR(-ESTALE));
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get_gfp(inode, NOWAIT), ERR_PTR(-ESTALE));
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get_nolock(inode), ERR_PTR(-ESTALE));
	KUNIT_EXPECT_PTR_EQ(test, inode_addons(inode), dead);
	KUNIT_EXPECT_EQ(test, present(inode), 0);
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated + 1);
	KUNIT_EXPECT_EQ(test, after.refused, before.refused + 3);

	/* Recycled: inode_init_always() again, then a new container. */
	KUNIT_ASSERT_EQ(test, inode_init_always(test_sb(test), inode), 0);
	KUNIT_EXPECT_NULL(test, inode_addons(inode));
	a = inode_addons_get(inode);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	KUNIT_EXPECT_PTR_NE(test, a, dead);
	__destroy_inode(inode);

	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated + 2);
	KUNIT_EXPECT_EQ(test, after.freed, before.freed + 2);
}

/*
 * A container created on an inode before inode_init_always() initialised it
 * (a tracing program on inode_init_always_gfp() can do that on a fresh slab
 * object, whose slot inode_init_once() zeroed) is retired by the
 * initialisation, not dropped; and one created while the initialisation
 * fails (a BPF LSM program on inode_alloc_security) is retired by the
 * failure path.  Simulated on a kzalloc'ed inode: inode_init_once(), get,
 * inode_init_always().
 */
static void addons_reset_retires_early_container_test(struct kunit *test)
{
	struct inode_addons_stats before, after;
	struct inode_addons *a;
	struct inode *inode;

	inode = kunit_kzalloc(test, sizeof(*inode), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inode);
	inode_init_once(inode);
	before = settled_stats();

	a = inode_addons_get_nolock(inode);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	KUNIT_ASSERT_EQ(test, inode_init_always(test_sb(test), inode), 0);
	KUNIT_EXPECT_NULL(test, inode_addons(inode));
	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated + 1);
	KUNIT_EXPECT_EQ(test, after.freed, before.freed + 1);

	/* The initialised inode starts from no container, as any other. */
	a = inode_addons_get(inode);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	__destroy_inode(inode);
	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, after.freed, before.freed + 2);
}

struct gfp_probe {
	struct task_struct *task;	/* the test's */
	const void *ptr;		/* its last slab allocation */
	gfp_t gfp;			/* and the flags it was made with */
};

static struct gfp_probe gfp_probe;

static void gfp_probe_alloc(void *data, unsigned long call_site, const void *ptr,
			    struct kmem_cache *s, gfp_t gfp_flags, int node)
{
	struct gfp_probe *p = data;

	if (current != READ_ONCE(p->task))
		return;
	p->ptr = ptr;
	p->gfp = gfp_flags;
}

/*
 * inode_addons_get_gfp() hands the caller's flags to the allocator,
 * modifiers included: GFP_NOFS must not become GFP_KERNEL (a filesystem
 * caller would recurse into reclaim through itself), GFP_NOIO must keep
 * __GFP_IO clear.  Seen from the kmem_cache_alloc tracepoint.
 */
static void addons_get_gfp_honours_flags_test(struct kunit *test)
{
	static const gfp_t cases[] = { GFP_NOFS, GFP_NOIO, GFP_KERNEL, GFP_NOWAIT };
	struct inode_addons *a;
	unsigned int i;

	memset(&gfp_probe, 0, sizeof(gfp_probe));
	KUNIT_ASSERT_EQ(test, register_trace_kmem_cache_alloc(gfp_probe_alloc, &gfp_probe), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct inode *inode = fresh_inode(test);

		gfp_probe.ptr = NULL;
		WRITE_ONCE(gfp_probe.task, current);
		a = inode_addons_get_gfp(inode, cases[i]);
		WRITE_ONCE(gfp_probe.task, NULL);
		if (IS_ERR(a)) {
			/* GFP_NOWAIT may fail; the others do not here. */
			KUNIT_EXPECT_EQ(test, cases[i], GFP_NOWAIT);
			iput(inode);
			continue;
		}
		KUNIT_EXPECT_PTR_EQ(test, gfp_probe.ptr, (const void *)a);
		KUNIT_EXPECT_EQ_MSG(test, gfp_probe.gfp & ~__GFP_ZERO, cases[i],
				    "case %u: allocated with %pGg, asked for %pGg", i,
				    &gfp_probe.gfp, &cases[i]);
		iput(inode);
	}
	unregister_trace_kmem_cache_alloc(gfp_probe_alloc, &gfp_probe);
	tracepoint_synchronize_unregister();
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * Makes the next @times container allocations fail, whatever task makes
 * them, quietly; returns the settings for fail_addons_restore().
 */
static struct fault_attr fail_addons_arm(int times)
{
	struct fault_attr saved = fail_inode_addons;

	fail_inode_addons.probability = 100;
	fail_inode_addons.interval = 1;
	fail_inode_addons.task_filter = false;
	fail_inode_addons.verbose = 0;
	atomic_set(&fail_inode_addons.times, times);
	return saved;
}

static void fail_addons_restore(const struct fault_attr *saved)
{
	fail_inode_addons.probability = saved->probability;
	fail_inode_addons.interval = saved->interval;
	fail_inode_addons.task_filter = saved->task_filter;
	fail_inode_addons.verbose = saved->verbose;
	atomic_set(&fail_inode_addons.times, atomic_read(&saved->times));
}
#endif

/* An allocation failure returns -ENOMEM, publishes nothing and leaks nothing. */
static void addons_alloc_failure_test(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	struct inode *inode = fresh_inode(test);
	struct inode_addons_stats before, after;
	struct fault_attr saved = fail_addons_arm(2);
	struct inode_addons *a;

	before = stats();
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get(inode), ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_PTR_EQ(test, inode_addons_get_gfp(inode, NOWAIT), ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_NULL(test, inode_addons(inode));
	after = stats();
	KUNIT_EXPECT_EQ(test, after.failed, before.failed + 2);
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated);

	/* The fault budget is spent: the next call succeeds. */
	a = inode_addons_get(inode);
	fail_addons_restore(&saved);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(a));
	iput(inode);
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
#endif
}

#define SHARE_INODES	50

static int share_handle_event(struct fsnotify_mark *mark, u32 mask,
			      struct inode *inode, struct inode *dir,
			      const struct qstr *name, u32 cookie)
{
	return 0;
}

static void share_free_mark(struct fsnotify_mark *mark)
{
	kfree(mark);
}

static const struct fsnotify_ops share_fsnotify_ops = {
	.handle_inode_event = share_handle_event,
	.free_mark = share_free_mark,
};

/* A POSIX lock of @type over the whole file, owned by @owner. */
static void posix_lock_init(struct file_lock *fl, void *owner, int type)
{
	locks_init_lock(fl);
	fl->c.flc_flags = FL_POSIX;
	fl->c.flc_type = type;
	fl->c.flc_owner = owner;
	fl->c.flc_pid = current->tgid;
	fl->fl_start = 0;
	fl->fl_end = OFFSET_MAX;
}

/* Drops the POSIX locks of @owner on @inode. */
static int posix_unlock(struct inode *inode, void *owner)
{
	struct file_lock unlock;

	posix_lock_init(&unlock, owner, F_UNLCK);
	return locks_lock_inode_wait(inode, &unlock);
}

/*
 * After @n inodes made since @before, each of which got a container,
 * racing or not, and was evicted: one container was published per inode
 * (every other one lost a race), and every one was freed.
 */
static void expect_one_container_each(struct kunit *test,
				      const struct inode_addons_stats *before,
				      unsigned int n)
{
	struct inode_addons_stats after;

	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, (after.allocated - before->allocated) -
			      (after.races_lost - before->races_lost), (u64)n);
	KUNIT_EXPECT_EQ(test, after.allocated - before->allocated,
			after.freed - before->freed);
	kunit_info(test, "%u inodes: %llu containers allocated, %llu races lost\n",
		   n, after.allocated - before->allocated,
		   after.races_lost - before->races_lost);
}

/*
 * A kthread's part in a race on @inode, started by @start: take @lock
 * (share_lock_fn()) or add @mark, of its group (share_mark_fn()).
 */
struct share_work {
	struct inode *inode;
	struct fsnotify_mark *mark;
	struct file_lock lock;
	struct completion *start;
	struct completion done;
	int err;
};

static int share_lock_fn(void *data)
{
	struct share_work *w = data;

	wait_for_completion(w->start);
	w->err = locks_lock_inode_wait(w->inode, &w->lock);
	complete(&w->done);
	return 0;
}

static int share_mark_fn(void *data)
{
	struct share_work *w = data;

	wait_for_completion(w->start);
	w->err = fsnotify_add_inode_mark(w->mark, w->inode, 0);
	complete(&w->done);
	return 0;
}

/*
 * A POSIX lock and an fsnotify mark taken concurrently on a fresh inode
 * end up in one container, and everything is freed with the inode.
 */
static void addons_lock_and_mark_share_test(struct kunit *test)
{
	struct inode_addons_stats before;
	struct fsnotify_group *group;
	unsigned int i, shared = 0;

	group = fsnotify_alloc_group(&share_fsnotify_ops, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(group));
	before = settled_stats();

	for (i = 0; i < SHARE_INODES; i++) {
		DECLARE_COMPLETION_ONSTACK(start);
		struct share_work lw = {}, mw = {};
		struct inode_addons *a;

		lw.inode = fresh_inode(test);
		mw.inode = lw.inode;
		lw.start = &start;
		mw.start = &start;
		init_completion(&lw.done);
		init_completion(&mw.done);
		posix_lock_init(&lw.lock, &lw, F_WRLCK);
		mw.mark = kzalloc_obj(*mw.mark, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mw.mark);
		fsnotify_init_mark(mw.mark, group);
		mw.mark->mask = FS_MODIFY;

		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(share_lock_fn, &lw, "addons_lock")));
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(share_mark_fn, &mw, "addons_mark")));
		complete_all(&start);
		wait_for_completion(&lw.done);
		wait_for_completion(&mw.done);
		KUNIT_EXPECT_EQ(test, lw.err, 0);
		KUNIT_EXPECT_EQ(test, mw.err, 0);

		a = inode_addons(lw.inode);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
		if (a->i_flctx && rcu_access_pointer(a->i_fsnotify_marks) &&
		    locks_inode_context(lw.inode) == a->i_flctx)
			shared++;

		KUNIT_EXPECT_EQ(test, posix_unlock(lw.inode, &lw), 0);
		locks_release_private(&lw.lock);
		if (!mw.err)
			fsnotify_destroy_mark(mw.mark, group);
		fsnotify_put_mark(mw.mark);
		iput(lw.inode);
	}
	KUNIT_EXPECT_EQ(test, shared, SHARE_INODES);

	fsnotify_put_group(group);
	expect_one_container_each(test, &before, SHARE_INODES);
}

/*
 * The first lock on an inode without a container makes one allocation: the
 * container, and right after it the lock context it points to, which goes
 * with the container.  On an inode whose container exists without one, the
 * context is allocated on its own, as before, and freed with the inode.
 */
static void addons_flctx_test(struct kunit *test)
{
	struct inode *fresh = fresh_inode(test), *had = fresh_inode(test);
	struct inode_addons_stats before, after;
	struct file_lock fl, other;
	struct inode_addons *a;
	int owner, owner2;

	before = settled_stats();
	posix_lock_init(&fl, &owner, F_WRLCK);
	KUNIT_ASSERT_EQ(test, locks_lock_inode_wait(fresh, &fl), 0);
	a = inode_addons(fresh);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
	KUNIT_EXPECT_PTR_EQ(test, a->i_flctx, inode_addons_flctx(a));
	KUNIT_EXPECT_PTR_EQ(test, locks_inode_context(fresh), a->i_flctx);
	KUNIT_EXPECT_EQ(test, present(fresh), (u32)(INODE_ADDONS_CONTAINER | INODE_ADDONS_FLCTX));
	/* The context is the one in use: another owner's lock conflicts. */
	posix_lock_init(&other, &owner2, F_WRLCK);
	KUNIT_EXPECT_EQ(test, locks_lock_inode_wait(fresh, &other), -EAGAIN);
	KUNIT_EXPECT_EQ(test, posix_unlock(fresh, &owner), 0);
	KUNIT_EXPECT_EQ(test, locks_lock_inode_wait(fresh, &other), 0);
	KUNIT_EXPECT_EQ(test, posix_unlock(fresh, &owner2), 0);
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, 1ULL);

	a = inode_addons_get(had);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_ASSERT_EQ(test, locks_lock_inode_wait(had, &fl), 0);
	KUNIT_EXPECT_NOT_NULL(test, a->i_flctx);
	KUNIT_EXPECT_PTR_NE(test, a->i_flctx, inode_addons_flctx(a));
	KUNIT_EXPECT_PTR_EQ(test, locks_inode_context(had), a->i_flctx);
	KUNIT_EXPECT_EQ(test, posix_unlock(had, &owner), 0);
	locks_release_private(&fl);
	locks_release_private(&other);

	/*
	 * A context freed on its own while it came with its container, or
	 * the other way round, is a KASAN report or a kmemleak one.
	 */
	iput(fresh);
	iput(had);
	rcu_barrier();
	after = stats();
	KUNIT_EXPECT_EQ(test, after.allocated - before.allocated, 2ULL);
	KUNIT_EXPECT_EQ(test, after.freed - before.freed, 2ULL);
}

#define FLCTX_RACE_INODES	200

/*
 * Two tasks released together take the first lock (a shared one each) of
 * the same fresh inode: one container is published, and its lock context
 * serves both; the container that lost the race is freed at once, its
 * context unused.
 */
static void addons_flctx_race_test(struct kunit *test)
{
	struct inode_addons_stats before;
	unsigned int i, j, shared = 0;

	before = settled_stats();
	for (i = 0; i < FLCTX_RACE_INODES; i++) {
		DECLARE_COMPLETION_ONSTACK(start);
		struct inode *inode = fresh_inode(test);
		struct share_work w[2] = {};
		struct inode_addons *a;

		for (j = 0; j < ARRAY_SIZE(w); j++) {
			w[j].inode = inode;
			w[j].start = &start;
			init_completion(&w[j].done);
			posix_lock_init(&w[j].lock, &w[j], F_RDLCK);
			KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(share_lock_fn, &w[j],
								    "addons_flctx%u", j)));
		}
		complete_all(&start);
		for (j = 0; j < ARRAY_SIZE(w); j++) {
			wait_for_completion(&w[j].done);
			KUNIT_EXPECT_EQ(test, w[j].err, 0);
		}
		a = inode_addons(inode);
		KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(a));
		if (a->i_flctx == inode_addons_flctx(a) &&
		    locks_inode_context(inode) == a->i_flctx &&
		    list_count_nodes(&a->i_flctx->flc_posix) == ARRAY_SIZE(w))
			shared++;
		for (j = 0; j < ARRAY_SIZE(w); j++) {
			KUNIT_EXPECT_EQ(test, posix_unlock(inode, &w[j]), 0);
			locks_release_private(&w[j].lock);
		}
		iput(inode);
	}
	KUNIT_EXPECT_EQ(test, shared, FLCTX_RACE_INODES);
	expect_one_container_each(test, &before, FLCTX_RACE_INODES);
}

/*
 * The first lock fails with -ENOMEM when its container cannot be
 * allocated, and leaves nothing behind; the next lock works.
 */
static void addons_flctx_enomem_test(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	struct inode *inode = fresh_inode(test);
	struct inode_addons_stats before, after;
	struct fault_attr saved;
	struct file_lock fl;
	int err;

	posix_lock_init(&fl, &fl, F_WRLCK);
	before = stats();
	saved = fail_addons_arm(1);
	err = locks_lock_inode_wait(inode, &fl);
	fail_addons_restore(&saved);
	after = stats();
	KUNIT_EXPECT_EQ(test, err, -ENOMEM);
	KUNIT_EXPECT_NULL(test, inode_addons(inode));
	KUNIT_EXPECT_NULL(test, locks_inode_context(inode));
	KUNIT_EXPECT_EQ(test, after.failed - before.failed, 1ULL);
	KUNIT_EXPECT_EQ(test, after.allocated, before.allocated);

	KUNIT_EXPECT_EQ(test, locks_lock_inode_wait(inode, &fl), 0);
	KUNIT_EXPECT_NOT_NULL(test, locks_inode_context(inode));
	KUNIT_EXPECT_EQ(test, posix_unlock(inode, &fl), 0);
	locks_release_private(&fl);
	iput(inode);
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
#endif
}

static int addons_test_init(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("ramfs");
	struct addons_test_ctx *ctx;

	KUNIT_ASSERT_NOT_NULL(test, type);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->mnt));
	test->priv = ctx;
	return 0;
}

static void addons_test_exit(struct kunit *test)
{
	struct addons_test_ctx *ctx = test->priv;

	if (ctx && !IS_ERR_OR_NULL(ctx->mnt))
		kern_unmount(ctx->mnt);
}

#define CDEV_INODES	64

static const struct file_operations cdev_test_fops = {
	.owner = THIS_MODULE,
};

struct cdev_test {
	struct cdev *cdev;
	dev_t dev;
	struct file *file;
};

static void cdev_test_start(struct kunit *test, struct cdev_test *t)
{
	KUNIT_ASSERT_EQ(test, alloc_chrdev_region(&t->dev, 0, 1, "addons_test"), 0);
	t->cdev = cdev_alloc();
	KUNIT_ASSERT_NOT_NULL(test, t->cdev);
	t->cdev->ops = &cdev_test_fops;
	KUNIT_ASSERT_EQ(test, cdev_add(t->cdev, t->dev, 1), 0);
	t->file = kunit_kzalloc(test, sizeof(*t->file), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->file);
}

static struct inode *cdev_test_inode(struct kunit *test, struct cdev_test *t)
{
	struct inode *inode = fresh_inode(test);

	init_special_inode(inode, S_IFCHR | 0600, t->dev);
	return inode;
}

/*
 * What open(2) and close(2) of the device node do to the inode and the cdev:
 * chrdev_open() puts the inode on the cdev's list and takes a cdev
 * reference, which __fput() drops.
 */
static int cdev_test_open_close(struct cdev_test *t, struct inode *inode,
				struct file *file)
{
	int err = inode->i_fop->open(inode, file);

	if (err)
		return err;
	fops_put(file->f_op);
	file->f_op = NULL;
	cdev_put(inode->i_cdev);
	return 0;
}

/*
 * A character device inode's entry on its cdev's list lives in the
 * container: the first open creates both, a second open reuses them, and
 * the entry goes with the inode (cd_forget()) or with the cdev
 * (cdev_purge()), whichever goes first, leaving nothing behind.
 */
static void addons_cdev_test(struct kunit *test)
{
	const u32 opened = INODE_ADDONS_CONTAINER | INODE_ADDONS_CDEV;
	struct inode *evicted, *purged;
	struct cdev_test t;

	cdev_test_start(test, &t);
	evicted = cdev_test_inode(test, &t);
	purged = cdev_test_inode(test, &t);
	KUNIT_EXPECT_EQ(test, present(evicted), 0);

	KUNIT_ASSERT_EQ(test, cdev_test_open_close(&t, evicted, t.file), 0);
	KUNIT_EXPECT_PTR_EQ(test, evicted->i_cdev, t.cdev);
	KUNIT_EXPECT_EQ(test, present(evicted), opened);
	KUNIT_ASSERT_EQ(test, cdev_test_open_close(&t, evicted, t.file), 0);
	KUNIT_EXPECT_EQ(test, present(evicted), opened);
	KUNIT_ASSERT_EQ(test, cdev_test_open_close(&t, purged, t.file), 0);
	KUNIT_EXPECT_EQ(test, present(purged), opened);

	/* The inode goes first: cd_forget() frees its entry. */
	iput(evicted);
	/* Then the cdev, with an inode still cached: cdev_purge(). */
	cdev_del(t.cdev);
	KUNIT_EXPECT_NULL(test, purged->i_cdev);
	KUNIT_EXPECT_EQ(test, present(purged), (u32)INODE_ADDONS_CONTAINER);
	/* Eviction after the purge: nothing left to forget. */
	iput(purged);
	unregister_chrdev_region(t.dev, 1);
}

/* The first open fails cleanly when the container cannot be allocated. */
static void addons_cdev_open_enomem_test(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr saved;
	struct inode *inode;
	struct cdev_test t;
	int err;

	cdev_test_start(test, &t);
	inode = cdev_test_inode(test, &t);
	saved = fail_addons_arm(1);
	err = cdev_test_open_close(&t, inode, t.file);
	fail_addons_restore(&saved);

	KUNIT_EXPECT_EQ(test, err, -ENOMEM);
	KUNIT_EXPECT_NULL(test, inode->i_cdev);
	KUNIT_EXPECT_EQ(test, present(inode), 0);
	/* The reference that kobj_lookup() took was dropped. */
	KUNIT_EXPECT_EQ(test, kref_read(&t.cdev->kobj.kref), 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&t.cdev->list));

	/* The fault budget is spent: the next open succeeds. */
	KUNIT_ASSERT_EQ(test, cdev_test_open_close(&t, inode, t.file), 0);
	KUNIT_EXPECT_PTR_EQ(test, inode->i_cdev, t.cdev);
	iput(inode);
	cdev_del(t.cdev);
	unregister_chrdev_region(t.dev, 1);
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
#endif
}

struct cdev_race_worker {
	struct cdev_test *t;
	struct inode **inodes;
	struct completion *start;
	struct completion done;
	struct file *file;
	int (*fn)(struct cdev_race_worker *w);
	int errors;
};

static int cdev_race_open(struct cdev_race_worker *w)
{
	int i, errors = 0;

	for (i = 0; i < CDEV_INODES; i++)
		errors += !!cdev_test_open_close(w->t, w->inodes[i], w->file);
	return errors;
}

static int cdev_race_evict(struct cdev_race_worker *w)
{
	int i;

	for (i = 0; i < CDEV_INODES; i++)
		iput(w->inodes[i]);
	return 0;
}

static int cdev_race_purge(struct cdev_race_worker *w)
{
	cdev_del(w->t->cdev);
	return 0;
}

static int cdev_race_fn(void *data)
{
	struct cdev_race_worker *w = data;

	wait_for_completion(w->start);
	w->errors = w->fn(w);
	complete(&w->done);
	return 0;
}

static void cdev_race(struct kunit *test, struct cdev_race_worker *w, int n)
{
	DECLARE_COMPLETION_ONSTACK(start);
	int i;

	for (i = 0; i < n; i++) {
		w[i].start = &start;
		init_completion(&w[i].done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(cdev_race_fn, &w[i],
							    "addons_cdev/%d", i)));
	}
	complete_all(&start);
	for (i = 0; i < n; i++) {
		wait_for_completion(&w[i].done);
		KUNIT_EXPECT_EQ(test, w[i].errors, 0);
	}
}

/*
 * Threads released together: two first opens of each inode race to put it
 * on the cdev's list (one entry wins, the other is freed), then the cdev's
 * removal races with the eviction of every inode, both taking entries off
 * the list.  Each inode ends on the list once, and KASAN and kmemleak see
 * every entry freed exactly once.
 */
static void addons_cdev_race_test(struct kunit *test)
{
	struct cdev_race_worker w[2] = {};
	struct inode **inodes;
	struct cdev_test t;
	struct cdev_inode *ci;
	int i, listed = 0;

	inodes = kunit_kcalloc(test, CDEV_INODES, sizeof(*inodes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inodes);
	cdev_test_start(test, &t);
	for (i = 0; i < CDEV_INODES; i++)
		inodes[i] = cdev_test_inode(test, &t);

	for (i = 0; i < 2; i++) {
		w[i] = (struct cdev_race_worker){ .t = &t, .inodes = inodes,
						  .fn = cdev_race_open };
		w[i].file = kunit_kzalloc(test, sizeof(*w[i].file), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w[i].file);
	}
	cdev_race(test, w, 2);
	for (i = 0; i < CDEV_INODES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, inodes[i]->i_cdev, t.cdev);
		ci = inode_addons(inodes[i])->i_cdev_inode;
		KUNIT_EXPECT_PTR_EQ(test, ci ? ci->inode : NULL, inodes[i]);
	}
	list_for_each_entry(ci, &t.cdev->list, list)
		listed++;
	KUNIT_EXPECT_EQ(test, listed, CDEV_INODES);

	w[0].fn = cdev_race_evict;
	w[1].fn = cdev_race_purge;
	cdev_race(test, w, 2);
	unregister_chrdev_region(t.dev, 1);
}

static struct kunit_case inode_addons_test_cases[] = {
	KUNIT_CASE(addons_lazy_test),
	KUNIT_CASE(addons_list_test),
	KUNIT_CASE(addons_atomic_context_test),
	KUNIT_CASE(addons_nolock_test),
	KUNIT_CASE_SLOW(addons_race_test),
	KUNIT_CASE(addons_evict_frees_after_rcu_test),
	KUNIT_CASE(addons_refused_after_teardown_test),
	KUNIT_CASE(addons_reset_retires_early_container_test),
	KUNIT_CASE(addons_get_gfp_honours_flags_test),
	KUNIT_CASE(addons_alloc_failure_test),
	KUNIT_CASE(addons_lock_and_mark_share_test),
	KUNIT_CASE(addons_flctx_test),
	KUNIT_CASE_SLOW(addons_flctx_race_test),
	KUNIT_CASE(addons_flctx_enomem_test),
	KUNIT_CASE(addons_cdev_test),
	KUNIT_CASE(addons_cdev_open_enomem_test),
	KUNIT_CASE(addons_cdev_race_test),
	{}
};

static struct kunit_suite inode_addons_test_suite = {
	.name = "inode_addons",
	.init = addons_test_init,
	.exit = addons_test_exit,
	.test_cases = inode_addons_test_cases,
};

kunit_test_suite(inode_addons_test_suite);

MODULE_DESCRIPTION("KUnit tests for the inode add-on container");
MODULE_LICENSE("GPL");
