// SPDX-License-Identifier: GPL-2.0
/*
 * What the verifier refuses around BPF inode-local storage from tracing
 * programs and the inode storage kfuncs, and controls it must accept:
 * see progs/inode_storage_reject.c, one subtest per program.
 *
 * Only for kernels with CONFIG_INODE_ADDONS: without it the kfuncs do not
 * exist and tracing programs cannot use the helpers at all, so the
 * programs would be refused for other reasons than those checked here.
 */
#include <test_progs.h>
#include "inode_addons_stats.h"
#include "inode_storage_reject.skel.h"

void test_inode_storage_reject(void)
{
	const char *kfunc = "bpf_inode_storage_lookup";

	if (libbpf_find_vmlinux_btf_id(kfunc, BPF_TRACE_FENTRY) <= 0) {
		/* The container's statistics mean CONFIG_INODE_ADDONS=y. */
		if (!ASSERT_ERR(access(ADDONS_STATS, F_OK), "inode_addons without kfuncs"))
			return;
		printf("%s:SKIP: no %s kfunc in vmlinux BTF (CONFIG_INODE_ADDONS=n)\n",
		       __func__, kfunc);
		test__skip();
		return;
	}
	RUN_TESTS(inode_storage_reject);
}
