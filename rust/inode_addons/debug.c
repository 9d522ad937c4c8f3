// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of the inode add-on container:
 *  - fault injection: "fail_inode_addons=" on the command line, or
 *    /sys/kernel/debug/fail_inode_addons/ (see
 *    Documentation/fault-injection/fault-injection.rst);
 *  - /sys/kernel/debug/inode_addons/stats: the container counters.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/inode_addons.h>
#include <linux/seq_file.h>

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

#else /* !CONFIG_FAULT_INJECTION */

bool inode_addons_should_fail(bool quiet)
{
	return false;
}

#endif /* CONFIG_FAULT_INJECTION */

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
	return 0;
}
late_initcall(inode_addons_debugfs);
#endif
