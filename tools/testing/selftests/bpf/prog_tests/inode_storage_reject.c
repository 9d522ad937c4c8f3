// SPDX-License-Identifier: GPL-2.0
/*
 * What the verifier refuses around BPF inode-local storage from tracing
 * programs and the inode storage kfuncs, and two controls it must accept:
 * see progs/inode_storage_reject.c, one subtest per program.
 *
 * Only for kernels with CONFIG_INODE_ADDONS: without it the kfuncs do not
 * exist and tracing programs cannot use the helpers at all, so the
 * programs would be refused for other reasons than those checked here.
 */
#include <test_progs.h>
#include <bpf/btf.h>

#include "inode_storage_reject.skel.h"

#define ADDONS_STATS	"/sys/kernel/debug/inode_addons/stats"

static bool vmlinux_has_func(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found;

	if (!btf)
		return false;
	found = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return found;
}

void test_inode_storage_reject(void)
{
	if (!vmlinux_has_func("bpf_inode_storage_lookup")) {
		/* The container's statistics mean CONFIG_INODE_ADDONS=y. */
		if (!ASSERT_ERR(access(ADDONS_STATS, F_OK), "inode_addons without kfuncs"))
			return;
		printf("%s:SKIP: no bpf_inode_storage_lookup kfunc in vmlinux BTF (CONFIG_INODE_ADDONS=n)\n",
		       __func__);
		test__skip();
		return;
	}
	RUN_TESTS(inode_storage_reject);
}
