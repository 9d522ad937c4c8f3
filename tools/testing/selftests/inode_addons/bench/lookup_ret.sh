#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prints the C spelling of bpf_inode_storage_lookup()'s return type in
# VMLINUX's BTF, for -DIA_LOOKUP_RET (ia_kfuncs.h).  Used by build.sh.
#
# Usage: lookup_ret.sh VMLINUX   (BPFTOOL: default bpftool)
set -euo pipefail
vmlinux=${1:?usage: lookup_ret.sh VMLINUX}
BPFTOOL=${BPFTOOL:-bpftool}

# bpf_inode_storage_lookup()'s return type must match the kernel's in kind
# (libbpf checks): '__u8 *' (kernel/bpf/bpf_inode_addons.c: 'u8 *', so that
# the verifier gives the program rdwr_buf_size bytes of memory), or 'void *'
# should a kernel declare that.  Kernels without the kfunc get '__u8 *'.
"$BPFTOOL" btf dump file "$vmlinux" format raw |
	awk -v name="'${IA_LOOKUP_KFUNC:-bpf_inode_storage_lookup}'" '
	{ id = substr($1, 2, length($1) - 2) }
	$2 == "FUNC" && $3 == name { split($4, a, "="); fn = a[2] }
	$2 == "FUNC_PROTO" { split($4, a, "="); ret[id] = a[2] }
	$2 == "PTR" { split($4, a, "="); ptr[id] = a[2] }
	$2 == "INT" { isint[id] = 1 }
	$2 == "TYPEDEF" || $2 == "CONST" || $2 == "VOLATILE" ||
	$2 == "TYPE_TAG" { split($4, a, "="); alias[id] = a[2] }
	END {
		if (fn == "" || !(fn in ret)) { print "__u8 *"; exit }
		r = ret[fn]
		if (!(r in ptr)) { print "void *"; exit }
		t = ptr[r]
		for (i = 0; i < 8 && (t in alias); i++) t = alias[t]
		print (t in isint) ? "__u8 *" : "void *"
	}'
