#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A compressed working session for census.py to count inodes after: run as
# root in a guest (make census), from the top of the kernel tree.  It
# leaves behind what such a session leaves in the inode cache: a source
# tree unpacked and partly compiled on ext4, a walk of the host's /usr (the
# root filesystem, over 9p), scratch files on tmpfs, pipes and sockets, the
# character devices a shell and its tools open, files locked with flock()
# and fcntl(), directories watched with inotify, and processes that contend
# on locks in a shared mapping (Python's multiprocessing, whose semaphores
# are futexes in /dev/shm): the one common use of shared futex keys.
# Usage: census-workload.sh WORKDIR
set -euo pipefail

w=${1:?usage: census-workload.sh WORKDIR}
mkdir -p "$w/ext4" "$w/tmp"

# A source tree on ext4, unpacked and partly compiled.
truncate -s 384M "$w/ext4.img"
mkfs.ext4 -q -F "$w/ext4.img"
mount -o loop "$w/ext4.img" "$w/ext4"
tar -cf - fs/ext4 fs/notify include/linux include/uapi/linux lib/zstd \
	tools/lib/bpf | tar -C "$w/ext4" -xf -
for f in "$w"/ext4/lib/zstd/common/*.c; do
	gcc -w -O0 -I "$w/ext4/lib/zstd" -c "$f" -o "${f%.c}.o" 2>/dev/null || true
done
echo "unpacked: $(find "$w/ext4" | wc -l) entries on ext4"

# A walk of the host's /usr, as ls -lR or a package manager does.
find /usr/share /usr/include -xdev 2>/dev/null | head -n 15000 |
	xargs -d '\n' stat --format=%i >/dev/null 2>&1 || true

# Scratch files on tmpfs, a pipeline, a few sockets.
mount -t tmpfs census "$w/tmp"
seq 1 2000 | while read -r i; do echo "$i" > "$w/tmp/f$i"; done
cat "$w"/tmp/f1* | sort | uniq -c | wc -l >/dev/null

# Devices a session opens.
for d in /dev/null /dev/zero /dev/urandom /dev/random /dev/full /dev/tty \
	 /dev/ptmx /dev/kmsg; do
	exec 9<>"$d" 2>/dev/null && exec 9>&- || true
done

# Locks, watches, shared-futex contention: held while census.py counts.
# multiprocessing's semaphores are files in /dev/shm.
mountpoint -q /dev/shm || mount -t tmpfs shm /dev/shm
python3 - "$w" <<'PY' &
import ctypes, fcntl, multiprocessing as mp, os, sys, time
w = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
held = []
for i in range(20):
    f = open(f'{w}/tmp/f{i + 1}', 'r+')
    (fcntl.flock if i % 2 else fcntl.lockf)(f, fcntl.LOCK_EX)
    held.append(f)
ino = libc.inotify_init()
for d in ('ext4/fs/ext4', 'ext4/fs/notify', 'tmp'):
    libc.inotify_add_watch(ino, f'{w}/{d}'.encode(), 0x100 | 0x200)

def worker(lock, n):
    for _ in range(n):
        with lock:
            time.sleep(0.0005)

locks = [mp.Lock() for _ in range(4)]
procs = [mp.Process(target=worker, args=(locks[i % 4], 200)) for i in range(8)]
for p in procs:
    p.start()
for p in procs:
    p.join()
open(f'{w}/ready', 'w').close()
time.sleep(3600)
PY
for _ in $(seq 600); do [ -e "$w/ready" ] && break; sleep 1; done
[ -e "$w/ready" ] || { echo "census-workload: the lock workers did not finish" >&2; exit 1; }
echo "census-workload: done"
