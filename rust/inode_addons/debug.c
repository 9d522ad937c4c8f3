// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the inode add-on container: "fail_inode_addons=" on
 * the command line, or /sys/kernel/debug/fail_inode_addons/.  See
 * Documentation/fault-injection/fault-injection.rst for the attributes.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/inode_addons.h>

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
	return should_fail_ex(&fail_inode_addons, sizeof(struct inode_addons),
			      quiet ? FAULT_NOWARN : 0);
}

#else /* !CONFIG_FAULT_INJECTION */

bool inode_addons_should_fail(bool quiet)
{
	return false;
}

#endif /* CONFIG_FAULT_INJECTION */
