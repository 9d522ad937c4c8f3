# SPDX-License-Identifier: GPL-2.0
# The container cache and its fault-injection point exist exactly when
# CONFIG_INODE_ADDONS=y.

t_cache_registered() {
	if [ "$variant" = y ]; then
		grep -q '^inode_addons ' /proc/slabinfo
	else
		! grep -q '^inode_addons ' /proc/slabinfo
	fi
}
run core/cache-registered t_cache_registered

t_fault_attr() {
	[ "$variant" = y ] || return 4
	[ -r /sys/kernel/debug/fail_inode_addons/probability ]
}
run core/fault-injection-debugfs t_fault_attr
