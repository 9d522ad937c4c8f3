// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_inode_storage_lookup() on a hook argument that the verifier trusts
 * but that is NULL at run time (progs/inode_storage_null_arg.c): the
 * context_inode of inode_init_security_anon when memfd_secret() makes its
 * inode.  The kfunc returns NULL, and the kernel does not oops.
 *
 * Needs the BPF LSM, CONFIG_SECRETMEM and the CONFIG_INODE_ADDONS kfuncs.
 */
#include <test_progs.h>
#include <sys/syscall.h>
#include "inode_storage_null_arg.skel.h"

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

void test_inode_storage_null_arg(void)
{
	struct inode_storage_null_arg *skel;
	int fd;

	if (libbpf_find_vmlinux_btf_id("bpf_inode_storage_lookup", BPF_TRACE_FENTRY) <= 0) {
		printf("%s:SKIP: no bpf_inode_storage_lookup kfunc (CONFIG_INODE_ADDONS=n)\n",
		       __func__);
		test__skip();
		return;
	}
	skel = inode_storage_null_arg__open_and_load();
	if (!ASSERT_OK_PTR(skel, "open_and_load"))
		return;
	skel->bss->target_tgid = getpid();
	if (!ASSERT_OK(inode_storage_null_arg__attach(skel), "attach"))
		goto out;

	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0 && errno == ENOSYS) {
		printf("%s:SKIP: no memfd_secret() (CONFIG_SECRETMEM=n or disabled)\n", __func__);
		test__skip();
		goto out;
	}
	if (!ASSERT_OK_FD(fd, "memfd_secret"))
		goto out;
	close(fd);

	ASSERT_GE(skel->bss->hits, 1, "inode_init_security_anon ran");
	ASSERT_EQ(skel->data->last_ctx, 0, "context_inode was NULL");
	ASSERT_EQ(skel->bss->got_value, 0, "a value for a NULL inode");
out:
	inode_storage_null_arg__destroy(skel);
}
