#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Census of struct inode: on how many cached inodes is each field in use?

Run as root on a live kernel (drgn reads /proc/kcore):

    census.py VMLINUX [--json FILE]

VMLINUX is the kernel's image with DWARF.  Every inode on every superblock's
s_inodes list is read once, and for each member of struct inode (as the
kernel's debug info lays it out) the census counts the inodes on which the
member is "in use": one of its bytes is not zero, once every embedded
struct list_head that is empty (points at itself) has been read as zero.
An unlocked spinlock or rwsem, an empty list and a NULL pointer therefore
count as unused; a reference count, a size or a mode count as used.

This is rule (a) of Documentation/filesystems/inode-addons.rst: a field may
move into struct inode_addons only if most inodes never set it.  Two fields
get a closer look, because their use depends on the inode's type:
i_devices (with i_linklen, its union partner; only character devices put
themselves on a cdev's list) and i_sequence (only inodes used as shared
futex keys).  Members of the add-on container are counted as well when the
kernel has one.
"""
import argparse
import json
import stat
import sys

import drgn
from drgn import TypeKind
from drgn.helpers.linux.list import list_for_each_entry


def list_head_offsets(t, base=0):
    """Offsets of every struct list_head embedded in type t."""
    t = t.unqualified()
    while t.kind == TypeKind.TYPEDEF:
        t = t.type.unqualified()
    if t.kind == TypeKind.STRUCT and t.tag == 'list_head':
        return [base]
    if t.kind == TypeKind.ARRAY and t.length:
        size = drgn.sizeof(t.type)
        return [o for i in range(t.length)
                for o in list_head_offsets(t.type, base + i * size)]
    if t.kind not in (TypeKind.STRUCT, TypeKind.UNION):
        return []
    offs = []
    for m in t.members:
        offs += list_head_offsets(m.type, base + m.bit_offset // 8)
    return offs


def member_name(m):
    if m.name:
        return m.name
    t = m.type.unqualified()
    return '(' + '|'.join(x.name or '?' for x in t.members) + ')'


class Census:
    def __init__(self, prog, tname):
        self.prog = prog
        self.t = prog.type(tname)
        self.size = drgn.sizeof(self.t)
        self.lists = list_head_offsets(self.t)
        self.members = []
        for m in self.t.members:
            off = m.bit_offset // 8
            size = max(1, drgn.sizeof(m.type)) if m.bit_field_size is None \
                else (m.bit_field_size + 7) // 8
            self.members.append((member_name(m), off, size))
        self.used = [0] * len(self.members)
        self.seen = 0

    def read(self, addr):
        raw = bytearray(self.prog.read(addr, self.size))
        for o in self.lists:
            nxt = int.from_bytes(raw[o:o + 8], 'little')
            if nxt == addr + o:
                raw[o:o + 16] = bytes(16)
        self.seen += 1
        for i, (_, off, size) in enumerate(self.members):
            if any(raw[off:off + size]):
                self.used[i] += 1

    def rows(self):
        return [{'member': n, 'offset': o, 'size': s, 'used': u,
                 'of': self.seen}
                for (n, o, s), u in zip(self.members, self.used)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('vmlinux')
    ap.add_argument('--json')
    args = ap.parse_args()

    prog = drgn.Program()
    prog.set_kernel()
    prog.load_debug_info([args.vmlinux])

    inodes = Census(prog, 'struct inode')
    has_addons = inodes.t.has_member('i_addons')
    addons = Census(prog, 'struct inode_addons') if has_addons else None
    by_type = {}

    def chr_listed_fn(inode):
        """Is this character device inode on its cdev's list?"""
        if inodes.t.has_member('i_devices'):
            dev = inode.i_devices
        elif addons and addons.t.has_member('i_cdev_inode'):
            return bool(inode.i_addons.value_() and
                        inode.i_addons.i_cdev_inode.value_())
        else:
            return False
        return dev.next.value_() != dev.address_of_().value_()

    chr_total = chr_listed = 0
    per_fs = {}

    for sb in list_for_each_entry('struct super_block',
                                  prog['super_blocks'].address_of_(),
                                  's_list'):
        fs = sb.s_type.name.string_().decode()
        n = 0
        for inode in list_for_each_entry('struct inode',
                                         sb.s_inodes.address_of_(),
                                         'i_sb_list'):
            addr = inode.value_()
            inodes.read(addr)
            n += 1
            mode = inode.i_mode.value_()
            kind = stat.S_IFMT(mode)
            by_type[kind] = by_type.get(kind, 0) + 1
            ia = inode.i_addons.value_() if has_addons else 0
            if ia:
                addons.read(ia)
            if stat.S_ISCHR(mode):
                chr_total += 1
                if chr_listed_fn(inode):
                    chr_listed += 1
        per_fs[fs] = per_fs.get(fs, 0) + n

    names = {stat.S_IFREG: 'regular', stat.S_IFDIR: 'directory',
             stat.S_IFLNK: 'symlink', stat.S_IFCHR: 'char device',
             stat.S_IFBLK: 'block device', stat.S_IFIFO: 'fifo',
             stat.S_IFSOCK: 'socket', 0: 'no type'}
    out = {
        'inodes': inodes.seen,
        'sizeof_inode': inodes.size,
        'per_fs': per_fs,
        'per_type': {names.get(k, oct(k)): v for k, v in by_type.items()},
        'char_devices': chr_total,
        'char_devices_on_a_cdev_list': chr_listed,
        'members': inodes.rows(),
        'addons': addons.rows() if addons else None,
    }
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)

    tot = inodes.seen
    print(f'# struct inode census: {tot} cached inodes, sizeof {inodes.size}')
    print('# per filesystem: ' + ', '.join(f'{k} {v}' for k, v in
                                          sorted(per_fs.items(), key=lambda x: -x[1])))
    print('# per type: ' + ', '.join(f'{k} {v}' for k, v in out['per_type'].items()))
    print(f'# character devices: {chr_total}, on a cdev list: {chr_listed}')
    print(f'{"member":<40} {"offset":>6} {"size":>4} {"in use":>8} {"%":>7}')
    for r in inodes.rows():
        pct = 100.0 * r['used'] / tot if tot else 0.0
        print(f'{r["member"][:40]:<40} {r["offset"]:>6} {r["size"]:>4} '
              f'{r["used"]:>8} {pct:>6.2f}%')
    if addons:
        print(f'# struct inode_addons: {addons.seen} containers')
        for r in addons.rows():
            print(f'{r["member"][:40]:<40} {r["offset"]:>6} {r["size"]:>4} '
                  f'{r["used"]:>8}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
