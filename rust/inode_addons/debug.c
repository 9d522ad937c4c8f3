// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of the inode add-on container:
 *  - inode_addons_members(), generated from the list of add-ons;
 *  - fault injection: "fail_inode_addons=" on the command line, or
 *    /sys/kernel/debug/fail_inode_addons/ (see
 *    Documentation/fault-injection/fault-injection.rst);
 *  - /sys/kernel/debug/inode_addons/stats: the container counters;
 *  - kmemleak tracking of the containers that kmem_cache_alloc_nolock() made.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/inode_addons.h>
#include <linux/irq_work.h>
#include <linux/kmemleak.h>
#include <linux/llist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Each add-on fits the test below: INODE_ADDONS() allows one word. */
#define __INODE_ADDONS_CHECK(bit, option, type, member)			\
	__INODE_ADDONS_IF(option, static_assert(sizeof(type) <= sizeof(u64));)
INODE_ADDONS(__INODE_ADDONS_CHECK)
#undef __INODE_ADDONS_CHECK

/**
 * inode_addons_members - which add-ons a container holds
 * @addons: a container that stays allocated during the call, or the dead one
 *
 * A lockless snapshot for introspection: the owners set and clear their
 * members concurrently, and a member may change right after it was read.
 * A member is in use when any of its bytes is not zero (INODE_ADDONS()
 * requires an unused member to be all-zero); a torn read of a member that
 * is changing still tells one of its two states apart from zero, so the
 * racy reads are marked as such for KCSAN.
 *
 * Return: a mask of enum inode_addons_bits, without INODE_ADDONS_CONTAINER.
 */
u32 inode_addons_members(const struct inode_addons *addons)
{
	u32 bits = 0;

/* Racy by design: a snapshot, see above. */
#define __INODE_ADDONS_TEST(bit, option, type, member)			\
	__INODE_ADDONS_IF(option,						\
		if (data_race(memchr_inv(&addons->member, 0, /* snapshot */	\
					 sizeof(addons->member))))		\
			bits |= INODE_ADDONS_##bit;)
	INODE_ADDONS(__INODE_ADDONS_TEST)
#undef __INODE_ADDONS_TEST
	return bits;
}

#ifdef CONFIG_FAULT_INJECTION

DECLARE_FAULT_ATTR(fail_inode_addons);

static int __init setup_fail_inode_addons(char *str)
{
	return setup_fault_attr(&fail_inode_addons, str);
}
__setup("fail_inode_addons=", setup_fail_inode_addons);

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static int __init fail_inode_addons_debugfs(void)
{
	struct dentry *dir;

	dir = fault_create_debugfs_attr("fail_inode_addons", NULL,
					&fail_inode_addons);
	return PTR_ERR_OR_ZERO(dir);
}
late_initcall(fail_inode_addons_debugfs);
#endif

bool inode_addons_should_fail(bool quiet)
{
	/*
	 * inode_addons_get_nolock() may run in NMI context, which
	 * should_fail_ex() is not written for: it may printk and dump the
	 * stack, and updates its per-CPU random state non-atomically.
	 */
	if (in_nmi())
		return false;
	return should_fail_ex(&fail_inode_addons, sizeof(struct inode_addons),
			      quiet ? FAULT_NOWARN : 0);
}

#endif /* CONFIG_FAULT_INJECTION */

#ifdef CONFIG_DEBUG_KMEMLEAK
/*
 * kmem_cache_alloc_nolock() does not register its objects with kmemleak:
 * kmemleak takes locks, and kmem_cache_alloc_nolock() may run in NMI
 * context or inside the allocator.  A container made by a BPF program would then be invisible to
 * the leak check, both as a leak and as a holder of references to the lock
 * context, fsnotify connector and BPF storage it points to.  So each one
 * that is published is queued here and registered from an irq_work, in hard
 * interrupt context, where kmemleak may run.  While a container is live its
 * rcu_head is unused: its first word links the queue, and ->func marks the
 * container as waiting until it is registered.  Retiring a container waits
 * for its registration (inode_addons_kmemleak_wait()), as call_rcu() reuses
 * the rcu_head.  The mark is set before the container is published, as
 * whoever retires it may see it as soon as it is published: before the
 * publisher has queued it.
 */
static void kmemleak_queued(struct rcu_head *head)
{
	/* A marker, never called: call_rcu() overwrites it. */
	WARN_ON_ONCE(1);
}

static LLIST_HEAD(kmemleak_queue);

static void kmemleak_register_queued(struct irq_work *work)
{
	struct llist_node *node = llist_del_all(&kmemleak_queue), *next;
	struct inode_addons *addons;

	for (; node; node = next) {
		next = READ_ONCE(node->next);
		addons = container_of((void *)node, struct inode_addons, rcu);
		kmemleak_alloc(addons, sizeof(*addons), 1, GFP_ATOMIC);
		/* Last access: pairs with inode_addons_kmemleak_wait(). */
		smp_store_release(&addons->rcu.func, NULL);
	}
}

static DEFINE_IRQ_WORK(kmemleak_work, kmemleak_register_queued);

/*
 * Marks @addons, not yet published, as waiting for registration: from its
 * publication on, inode_addons_kmemleak_wait() waits for it.
 */
void inode_addons_kmemleak_mark(struct inode_addons *addons)
{
	addons->rcu.func = kmemleak_queued;
}

/*
 * Queues @addons, marked and then published, for registration.  Any
 * context, NMI included: llist_add() and irq_work_queue() are NMI-safe.
 */
void inode_addons_kmemleak_track(struct inode_addons *addons)
{
	llist_add((struct llist_node *)&addons->rcu, &kmemleak_queue);
	irq_work_queue(&kmemleak_work);
}

/*
 * Waits until @addons, about to be retired, is registered.  The irq_work is
 * pending on the CPU that queued it; if that is this one and interrupts are
 * off, nothing else would run it, so run this CPU's pending work here.
 */
void inode_addons_kmemleak_wait(struct inode_addons *addons)
{
	unsigned long flags;

	/* Pairs with the release in kmemleak_register_queued(). */
	while (smp_load_acquire(&addons->rcu.func) == kmemleak_queued) {
		local_irq_save(flags);
		irq_work_run();
		local_irq_restore(flags);
		cpu_relax();
	}
}

#ifdef CONFIG_INODE_ADDONS_KUNIT_TEST
/*
 * /sys/kernel/debug/inode_addons/kmemleak_selftest, for the in-guest test
 * that expects kmemleak to report a container made the way BPF programs
 * make them (inode_addons_get_nolock()).  Writing 1 leaks one on purpose,
 * by freeing the inode it was published in; writing 0 frees the last one
 * leaked, once the test has seen the report.  Reading returns the
 * complement of its address.
 *
 * The container is made in hard interrupt context (an irq_work), as a
 * tracing program may make it: a copy of its address left on a task's
 * stack would be a reference to kmemleak for as long as that part of the
 * stack is not overwritten, and hide the leak.  For the same reason the
 * address is kept, and read, complemented, and the container comes from
 * inode_addons_kmemleak_selftest_get(), which also overwrites the copy
 * that the slab allocator's per-CPU sheaf keeps.
 */
static unsigned long kmemleak_selftest_addr;
static struct inode *kmemleak_selftest_inode;
static int kmemleak_selftest_err;

static void kmemleak_selftest_leak(struct irq_work *work)
{
	struct inode_addons *addons;

	addons = inode_addons_kmemleak_selftest_get(kmemleak_selftest_inode);
	if (IS_ERR(addons)) {
		kmemleak_selftest_err = PTR_ERR(addons);
		return;
	}
	kmemleak_selftest_addr = ~(unsigned long)addons;
}

static DEFINE_IRQ_WORK(kmemleak_selftest_work, kmemleak_selftest_leak);

static ssize_t kmemleak_selftest_write(struct file *file, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	unsigned long addr;
	struct inode *inode;
	bool leak;
	int err;

	err = kstrtobool_from_user(buf, count, &leak);
	if (err)
		return err;
	if (!leak) {
		addr = xchg(&kmemleak_selftest_addr, 0);
		if (addr)
			kfree((void *)~addr);
		return count;
	}

	inode = kzalloc(sizeof(*inode), GFP_KERNEL);
	if (!inode)
		return -ENOMEM;
	inode_init_once(inode);
	kmemleak_selftest_inode = inode;
	kmemleak_selftest_err = 0;
	irq_work_queue(&kmemleak_selftest_work);
	irq_work_sync(&kmemleak_selftest_work);
	/* The container's registration, queued by the work above. */
	irq_work_sync(&kmemleak_work);
	kmemleak_selftest_inode = NULL;
	kfree(inode);	/* the only reference to the container */
	return kmemleak_selftest_err ?: count;
}

static ssize_t kmemleak_selftest_read(struct file *file, char __user *buf,
				      size_t count, loff_t *ppos)
{
	char line[32];
	int len = scnprintf(line, sizeof(line), "0x%lx\n", READ_ONCE(kmemleak_selftest_addr));

	return simple_read_from_buffer(buf, count, ppos, line, len);
}

static const struct file_operations kmemleak_selftest_fops = {
	.read = kmemleak_selftest_read,
	.write = kmemleak_selftest_write,
	.llseek = default_llseek,
};
#endif /* CONFIG_INODE_ADDONS_KUNIT_TEST */
#endif /* CONFIG_DEBUG_KMEMLEAK */

#ifdef CONFIG_DEBUG_FS
static int stats_show(struct seq_file *m, void *v)
{
	struct inode_addons_stats s;

	inode_addons_read_stats(&s);
	seq_printf(m, "allocated %llu\nfreed %llu\nlive %llu\n"
		   "races_lost %llu\nrefused %llu\nfailed %llu\n",
		   s.allocated, s.freed, s.allocated - s.freed,
		   s.races_lost, s.refused, s.failed);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init inode_addons_debugfs(void)
{
	struct dentry *dir = debugfs_create_dir("inode_addons", NULL);

	debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
#if defined(CONFIG_DEBUG_KMEMLEAK) && defined(CONFIG_INODE_ADDONS_KUNIT_TEST)
	debugfs_create_file("kmemleak_selftest", 0600, dir, NULL, &kmemleak_selftest_fops);
#endif
	return 0;
}
late_initcall(inode_addons_debugfs);
#endif
