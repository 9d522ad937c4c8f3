#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: turn build/bench/ into build/bench/report.md and its plots.

Usage: report.py BENCH_DIR KERNEL...

Reads sizes.json and, per kernel, slabinfo.txt, lookup.json, create.json,
hotpath.json, scale.json and guest-*.env, as written by bench.sh and the
guest runner; draws PNGs with gnuplot.  Also writes summary.json: the
report's headline figures as one flat object of numbers (see SUMMARY_KEYS).
"""

import json
import os
import platform
import subprocess
import sys

NAMES = {
    "pristine": "pristine 7.3.4",
    "patched": "patched (container)",
    "onepointer": "one-pointer (bench only)",
}

# cache -> (struct, free pointer outside the object, SLAB_HWCACHE_ALIGN)
# from the kmem_cache_create() calls in 7.3.4: every one has a constructor;
# only ext4 gives a freeptr_offset inside the object.
CACHES = {
    "inode_cache": ("inode", True, False),
    "shmem_inode_cache": ("shmem_inode_info", True, False),
    "ext4_inode_cache": ("ext4_inode_info", False, False),
    "xfs_inode": ("xfs_inode", True, True),
    "btrfs_inode": ("btrfs_inode", True, False),
    "proc_inode_cache": ("proc_inode", True, False),
    "sock_inode_cache": ("sockfs_inode", True, True),
}
PAGE = 4096
SLUB_MAX_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER

# summary.json: kernel -> the name its figures carry there.
SUMMARY_NAMES = {"pristine": "pristine", "patched": "container", "onepointer": "onepointer"}
# The figures summary.json holds when every kernel ran; one that the raw
# results lack is left out, and named on stderr.  Instructions, bytes or
# ratios, as in the report.
SUMMARY_KEYS = (
    ["inode_size_debian_pristine", "inode_size_debian_patched"]
    + [f"slab_bytes_debian_8cpu_{c}_{v}" for c in CACHES for v in ("pristine", "patched")]
    + ["lookup_helper_lsm_pristine", "lookup_helper_container", "lookup_helper_onepointer",
       "lookup_kfunc_container", "lookup_kfunc_onepointer", "lookup_hash_100k_pristine",
       "lookup_hash_100k_container", "lookup_hash_100k_onepointer", "lookup_task_container"]
    + [f"{op}_ratio{s}" for op in ("open_close", "create_unlink", "stat", "write",
                                   "write_watched", "flock_fresh", "flock_again")
       for s in ("", "_onepointer")]
    + [f"mem{ph}_{k}" for ph in ("0", "1", "100") for k in SUMMARY_NAMES.values()]
    + ["lsm_inode_cache_objsize_pristine"]
    + ["create_fresh_pristine", "create_fresh_container", "create_fresh_onepointer",
       "create_locked_container", "create_task_container"])


def align(x, a):
    return (x + a - 1) // a * a


def get_order(size):
    order, s = 0, PAGE
    while s < size:
        order, s = order + 1, s * 2
    return order


def slab_layout(object_size, outside, hwalign, nr_cpus):
    """SLUB's object stride and slab order (mm/slub.c calculate_sizes() and
    calculate_order(), no debugging), for nr_cpus present CPUs."""
    size = align(object_size, 8)
    if outside:
        size += 8
    size = align(size, 64 if hwalign and size > 32 else 8)
    min_objects = 4 * (nr_cpus.bit_length() + 1)
    max_objects = max((PAGE << SLUB_MAX_ORDER) // size, 1)
    min_objects = min(min_objects, max_objects)
    min_order = get_order(min_objects * size)
    for fraction in (16, 8, 4, 2):
        for order in range(min_order, SLUB_MAX_ORDER + 1):
            slab = PAGE << order
            if slab % size <= slab // fraction:
                return size, order, slab // size
    order = get_order(size)
    return size, order, (PAGE << order) // size


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def env(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                out[k] = v
    except FileNotFoundError:
        pass
    return out


def slabinfo(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) > 5 and not line.startswith("#") and p[1].isdigit():
                    out[p[0]] = {"objsize": int(p[3]), "objperslab": int(p[4]),
                                 "pagesperslab": int(p[5])}
    except FileNotFoundError:
        pass
    return out


def pct(a, b):
    return (a / b - 1) * 100


def fmt_pct(x):
    return f"{x:+.1f} %"


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def bars(png, title, ylabel, rows, cols, data, fmt="%.0f", logscale=False):
    """Grouped bar chart: rows on x, one bar per column; data[r][c] or None."""
    dat = png[:-4] + ".dat"
    with open(dat, "w") as f:
        f.write("label " + " ".join(f'"{c}"' for c in cols) + "\n")
        for r in rows:
            vals = ["NaN" if data[r].get(c) is None else str(data[r][c]) for c in cols]
            f.write(f'"{r}" ' + " ".join(vals) + "\n")
    plots = ", ".join(
        f"'{dat}' using {i + 2}:xtic(1) title columnhead"
        for i in range(len(cols)))
    gnuplot(f"""
set terminal pngcairo noenhanced size 1100,560 font "Sans,10"
set output '{png}'
set bmargin 9
set title "{title}"
set ylabel "{ylabel}"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key outside top center horizontal
set xtics rotate by -20
set yrange [0:*]
{"set logscale y" if logscale else ""}
plot {plots}
""")
    os.unlink(dat)


class Report:
    def __init__(self, bench, kernels):
        self.dir = bench
        self.kernels = kernels
        self.lines = []
        self.sizes = load(os.path.join(bench, "sizes.json")) or {}
        self.d = {}
        for k in kernels:
            kd = os.path.join(bench, k)
            self.d[k] = {
                "lookup": load(os.path.join(kd, "lookup.json")),
                "lookup-wall": load(os.path.join(kd, "lookup-wall.json")),
                "race": load(os.path.join(kd, "race.json")),
                "create": load(os.path.join(kd, "create.json")),
                "hotpath": load(os.path.join(kd, "hotpath.json")),
                "fanotify": load(os.path.join(kd, "fanotify.json")),
                "scale": load(os.path.join(kd, "scale.json")),
                "slab": slabinfo(os.path.join(kd, "slabinfo.txt")),
                "env_timed": env(os.path.join(kd, "guest-timed.env")),
                "env_scale": env(os.path.join(kd, "guest-scale.env")),
            }
        self.summary = []
        self.figures = {}

    def verdict(self, win, text):
        self.summary.append((win, text))

    def figure(self, key, value):
        """Keeps a figure for summary.json; None (no data) keeps nothing."""
        if value is not None:
            self.figures[key] = value

    def w(self, s=""):
        self.lines.append(s)

    def have(self, k):
        return k in self.d

    def results(self, k, part):
        r = self.d.get(k, {}).get(part)
        return {x["id"]: x for x in r["results"]} if r else {}

    # ------------------------------------------------------------ P1
    def part_sizes(self):
        s = self.sizes
        self.w("## 1. Sizes")
        self.w()
        self.w("`sizeof` in bytes from pahole: Debian's amd64 distro config "
               "(7.3.4-1~bpo13+1, objects built pristine and patched), the "
               "bench config (BTF of the booted kernels) and the test config "
               "(`make check`).")
        self.w()
        cols = [c for c in ("debian-pristine", "debian-y", "test-pristine", "test-y",
                            "bench-pristine", "bench-patched", "bench-onepointer")
                if c in s]
        self.w("| struct | " + " | ".join(cols) + " |")
        self.w("| --- |" + " ---: |" * len(cols))
        for st in ["inode"] + [v[0] for v in CACHES.values() if v[0] != "inode"] + ["inode_addons"]:
            row = [str(s[c].get(st, "–")) for c in cols]
            if all(x == "–" for x in row):
                continue
            self.w(f"| `{st}` | " + " | ".join(row) + " |")
        self.w()
        if "debian-pristine" in s and "debian-y" in s:
            a, b = s["debian-pristine"]["inode"], s["debian-y"]["inode"]
            self.figure("inode_size_debian_pristine", a)
            self.figure("inode_size_debian_patched", b)
            self.verdict(b < a,
                f"`struct inode` {a} → {b} bytes ({b - a:+d}) on Debian's distro "
                f"config, in every inode of every filesystem; Song Liu's pointer "
                f"would have made it {a + 8} (+8).")
            gains, same = [], []
            for cache, (st, outside, hw) in CACHES.items():
                if st in s["debian-pristine"] and st in s["debian-y"]:
                    x = slab_layout(s["debian-pristine"][st], outside, hw, 8)
                    y = slab_layout(s["debian-y"][st], outside, hw, 8)
                    bx, by = (PAGE << x[1]) / x[2], (PAGE << y[1]) / y[2]
                    self.figure(f"slab_bytes_debian_8cpu_{cache}_pristine", bx)
                    self.figure(f"slab_bytes_debian_8cpu_{cache}_patched", by)
                    (gains if by < bx else same).append(
                        f"{cache} {fmt_pct(pct(by, bx))}" if by < bx else cache)
            if gains:
                self.verdict(True, "slab bytes per cached inode, Debian config, 8 CPUs "
                             "(SLUB's layout): " + ", ".join(gains) +
                             (f"; unchanged: {', '.join(same)}" if same else "") + ".")

        # Objects per slab, computed and observed.
        self.w("### Objects per slab")
        self.w()
        self.w("Computed with SLUB's own rules (object stride: size rounded to 8, "
               "+8 for a free pointer outside objects with a constructor, cache-line "
               "alignment for `SLAB_HWCACHE_ALIGN`; order: `calculate_order()` with "
               "`slub_max_order` 3) for *N* present CPUs; observed in the bench "
               "guests' `/proc/slabinfo` (2 CPUs). Objects per slab × pages → bytes "
               "per object, which is what a cached inode really costs.")
        self.w()
        for cfg, cpus in (("debian", 2), ("debian", 8), ("debian", 64), ("bench", 2)):
            pk = f"{cfg}-pristine"
            yk = f"{cfg}-y" if cfg == "debian" else "bench-patched"
            if pk not in s or yk not in s:
                continue
            self.w(f"**{cfg} config, {cpus} CPUs, computed**")
            self.w()
            self.w("| cache | pristine: stride / objs per slab / pages | patched | "
                   "bytes per object, pristine → patched |")
            self.w("| --- | --- | --- | ---: |")
            for cache, (st, outside, hw) in CACHES.items():
                if st not in s[pk] or st not in s[yk]:
                    continue
                a = slab_layout(s[pk][st], outside, hw, cpus)
                b = slab_layout(s[yk][st], outside, hw, cpus)
                ca = (PAGE << a[1]) / a[2]
                cb = (PAGE << b[1]) / b[2]
                self.w(f"| {cache} | {a[0]} / {a[2]} / {1 << a[1]} | "
                       f"{b[0]} / {b[2]} / {1 << b[1]} | {ca:.1f} → {cb:.1f} "
                       f"({fmt_pct(pct(cb, ca))}) |")
            self.w()
        obs = [k for k in self.kernels if self.d[k]["slab"]]
        if obs:
            self.w("**bench config, observed in the guest** "
                   "(objsize / objperslab / pagesperslab; computed in brackets "
                   "when it differs)")
            self.w()
            self.w("| cache | " + " | ".join(NAMES[k] for k in obs) + " |")
            self.w("| --- |" + " --- |" * len(obs))
            mismatches = 0
            for cache, (st, outside, hw) in CACHES.items():
                row = []
                for k in obs:
                    o = self.d[k]["slab"].get(cache)
                    if not o:
                        row.append("–")
                        continue
                    cell = f"{o['objsize']} / {o['objperslab']} / {o['pagesperslab']}"
                    size = s.get(f"bench-{k}", {}).get(st)
                    if size:
                        c = slab_layout(size, outside, hw, 2)
                        if (c[2], 1 << c[1]) != (o["objperslab"], o["pagesperslab"]):
                            cell += f" [{c[2]} / {1 << c[1]}]"
                            mismatches += 1
                    row.append(cell)
                self.w(f"| {cache} | " + " | ".join(row) + " |")
            self.w()
            self.w(f"The model disagrees with the guest in {mismatches} cell(s).")
            self.w()

    # ------------------------------------------------------------ P2
    def part_lookup(self):
        self.w("## 2. Lookup cost per call")
        self.w()
        self.w("Instructions per call of each lookup, from inside one program run: "
               f"a loop of {self.loop_n()} calls between two `bpf_ktime_get_ns()` "
               "minus the same loop without the call, minimum over 31 repetitions "
               "(median in brackets). Every call found the value (the runner checks). "
               "Under `-icount shift=0` one guest nanosecond is one instruction; "
               "TCG models no caches, so a hash map's cache misses at 100k entries "
               "do not show here — its memory does (below).")
        self.w()
        ids = []
        what = {}
        for k in self.kernels:
            for i, r in self.results(k, "lookup").items():
                if i not in ids:
                    ids.append(i)
                    what[i] = r["what"]
        ks = [k for k in self.kernels if self.results(k, "lookup")]
        self.w("| lookup | " + " | ".join(NAMES[k] for k in ks) + " |")
        self.w("| --- |" + " ---: |" * len(ks))
        refused = {}
        plot = {}
        for i in ids:
            row = []
            plot[what[i]] = {}
            for k in ks:
                r = self.results(k, "lookup").get(i)
                if not r:
                    row.append("–")
                elif "refused" in r:
                    n = len(refused) + 1
                    refused.setdefault(r["refused"], n)
                    row.append(f"refused [{refused[r['refused']]}]")
                else:
                    row.append(f"{r['per_call']:.0f} ({r['per_call_median']:.0f})")
                    plot[what[i]][NAMES[k]] = round(r["per_call"])
            self.w(f"| {what[i]} | " + " | ".join(row) + " |")
        self.w()
        for reason, n in refused.items():
            self.w(f"[{n}] the verifier: `{reason}`")
        self.w()
        png = os.path.join(self.dir, "lookup.png")
        bars(png, "Inode/task state lookup from a BPF program",
             "instructions per call (-icount)", list(plot),
             [NAMES[k] for k in ks], plot)
        self.w("![lookup](lookup.png)")
        self.w()
        wall = [k for k in ks if self.results(k, "lookup-wall")]
        if wall:
            self.w("The same loops on the boot without `-icount`, in **emulated "
                   "nanoseconds** per call: TCG's translated code on this host, not "
                   "hardware time and not comparable across machines; shown next to "
                   "the instruction counts above so that neither is read alone.")
            self.w()
            self.w("| lookup | " + " | ".join(f"{NAMES[k]}: instr. / emulated ns"
                                              for k in wall) + " |")
            self.w("| --- |" + " ---: |" * len(wall))
            for i in ids:
                row = []
                for k in wall:
                    r = self.results(k, "lookup").get(i)
                    x = self.results(k, "lookup-wall").get(i)
                    if not r or not x or "refused" in r or "refused" in x:
                        row.append("–")
                    else:
                        row.append(f"{r['per_call']:.0f} / {x['per_call']:.1f}")
                        self.figure(f"lookup_wall_ns_{i}_{SUMMARY_NAMES[k]}",
                                    round(x["per_call"], 2))
                self.w(f"| {what[i]} | " + " | ".join(row) + " |")
            self.w()
        for k in ks:
            hm = self.d[k]["lookup"].get("hash_memlock")
            if hm:
                self.w("Hash map memory (fdinfo `memlock`, preallocated, on the "
                       f"{NAMES[k]} kernel): " + ", ".join(
                           f"{m['entries']} entries {m['bytes'] / m['entries']:.0f} B/entry"
                           for m in hm) + ".")
                self.w()
                break

        def get(k, i):
            r = self.results(k, "lookup").get(i)
            return r["per_call"] if r and "refused" not in r else None
        c = get("patched", "inode_helper_fentry")
        o = get("onepointer", "inode_helper_fentry")
        l = get("pristine", "inode_helper_lsm")
        h = get("patched", "hash_100k")
        t = get("patched", "task_storage")
        kf = get("patched", "inode_kfunc_tp_btf")
        self.figure("lookup_helper_lsm_pristine", l)
        self.figure("lookup_helper_container", c)
        self.figure("lookup_helper_onepointer", o)
        self.figure("lookup_kfunc_container", kf)
        self.figure("lookup_kfunc_onepointer", get("onepointer", "inode_kfunc_tp_btf"))
        self.figure("lookup_task_container", t)
        for k in ks:
            self.figure(f"lookup_hash_100k_{SUMMARY_NAMES[k]}", get(k, "hash_100k"))
        if c is not None and l is not None:
            self.verdict(c <= l, f"lookup through the helper: {c:.0f} instructions per call "
                         f"against {l:.0f} for today's BPF LSM path through `i_security` "
                         f"({fmt_pct(pct(c, l))}), and from fentry/fexit/tp_btf/iter "
                         "programs without `lsm=bpf`, which pristine 7.3.4 refuses.")
        if c is not None and h is not None:
            self.verdict(c < h, f"lookup: {c:.0f} against {h:.0f} for a hash map keyed "
                         f"by inode pointer ({fmt_pct(pct(c, h))}), with no map to size and "
                         "no stale entries after the inode dies.")
        if c is not None and o is not None:
            self.verdict(c <= o, f"the container's extra hop: {c:.0f} instructions per "
                         f"lookup against {o:.0f} with the pointer in `struct inode` "
                         f"({c - o:+.0f}, {fmt_pct(pct(c, o))})" +
                         (f"; task storage, one pointer in `task_struct`: {t:.0f}."
                          if t is not None else "."))
        if kf is not None and c is not None:
            self.verdict(kf <= c, f"the kfunc `bpf_inode_storage_lookup()` costs {kf:.0f}, "
                         f"{kf - c:+.0f} against the helper (the verifier checks its map "
                         "and flags at load time; the helper checks its flags and inode "
                         "at every call).")

    def loop_n(self):
        for k in self.kernels:
            r = self.d[k]["lookup"]
            if r:
                return r["loop"]
        return "?"

    # ------------------------------------------------------------ P3
    def part_hotpath(self):
        self.w("## 3. Hot paths")
        self.w()
        self.w("Instructions per operation (guest `CLOCK_MONOTONIC` under "
               "`-icount shift=0`), minimum over 9 rounds of 2000; ratio to pristine. "
               "open, stat and write use no add-on; creating and removing a file is "
               "what every inode pays (pristine allocates an LSM inode blob there, "
               "for the BPF LSM's storage pointer); the first flock on a fresh file "
               "creates the lock context (and, patched, the container that carries "
               "it); flock on a file with a lock context and a write under an inotify "
               "watch go through the container to an existing member.")
        self.w()
        ks = [k for k in self.kernels if self.results(k, "hotpath")]
        if "pristine" not in ks:
            self.w("(no pristine results)")
            return
        base = self.results("pristine", "hotpath")
        self.w("| operation | " + " | ".join(NAMES[k] for k in ks) + " |")
        self.w("| --- |" + " ---: |" * len(ks))
        plot = {}
        worst = []
        for i, r in base.items():
            row = []
            plot[r["what"]] = {}
            for k in ks:
                x = self.results(k, "hotpath").get(i)
                if not x:
                    row.append("–")
                    continue
                ratio = x["min"] / r["min"]
                row.append(f"{x['min']:.0f}" + ("" if k == "pristine" else f" ({ratio:.3f})"))
                if k != "pristine":
                    plot[r["what"]][NAMES[k]] = round(ratio, 4)
                    self.figure(f"{i}_ratio" + ("" if k == "patched" else f"_{SUMMARY_NAMES[k]}"),
                                ratio)
                if k == "patched":
                    worst.append((ratio, r["what"]))
            self.w(f"| {r['what']} | " + " | ".join(row) + " |")
        self.w()
        png = os.path.join(self.dir, "hotpath.png")
        bars(png, "Hot paths, ratio to pristine 7.3.4 (1.0 = same)",
             "instructions, ratio to pristine", list(plot),
             [NAMES[k] for k in ks if k != "pristine"], plot)
        self.w("![hotpath](hotpath.png)")
        self.w()
        same = [f"{w} {r:.3f}" for r, w in worst if abs(r - 1) < 0.005]
        worse = [f"{w} {r:.3f}" for r, w in worst if r - 1 >= 0.005]
        better = [f"{w} {r:.3f}" for r, w in worst if 1 - r >= 0.005]
        if same:
            self.verdict(True, "hot paths, patched/pristine "
                         "instructions: " + ", ".join(same) + ".")
        if better:
            self.verdict(True, "cheaper patched, patched/pristine instructions: " +
                         ", ".join(better) + ".")
        if worse:
            self.verdict(False, "patched/pristine instructions: " + ", ".join(worse) +
                         " (the first lock of a fresh inode also makes its container, "
                         "with the lock context inside).")

    # ------------------------------------------------------------ P4
    def part_scale(self):
        self.w("## 4. Memory at scale")
        self.w()
        ks = [k for k in self.kernels if self.d[k]["scale"]]
        if not ks:
            self.w("(no results)")
            return
        n = self.d[ks[0]]["scale"]["files"]
        self.w(f"{n} empty files on tmpfs (all inodes stay cached), then BPF inode "
               "storage (an 8-byte value) on 1 % of them, then on all of them, "
               "created by a program on file open (fentry where the kernel allows "
               "it, else BPF LSM). Total slab memory from `/proc/meminfo` (`Slab:`), "
               "after the files were created, minus before; bytes per file.")
        self.w()
        self.w("| files with storage | " + " | ".join(NAMES[k] for k in ks) + " |")
        self.w("| --- |" + " ---: |" * len(ks))
        plot = {}
        per = {}
        for ph, label in (("0", "0 %"), ("1", "1 %"), ("100", "100 %")):
            row = []
            plot[label] = {}
            for k in ks:
                sc = self.d[k]["scale"]
                b = (sc["slab_kb"][ph] - sc["slab_kb"]["before"]) * 1024 / sc["files"]
                per[(k, ph)] = b
                self.figure(f"mem{ph}_{SUMMARY_NAMES[k]}", b)
                cell = f"{b:.0f}"
                if k != "pristine" and ("pristine", ph) in per:
                    cell += f" ({fmt_pct(pct(b, per[('pristine', ph)]))})"
                row.append(cell)
                plot[label][NAMES[k]] = round(b)
            self.w(f"| {label} | " + " | ".join(row) + " |")
        self.w()
        self.w("Programs used: " + ", ".join(
            f"{NAMES[k]}: `{self.d[k]['scale']['program']}`" for k in ks) + ".")
        self.w()
        png = os.path.join(self.dir, "memory.png")
        bars(png, f"Slab memory per cached tmpfs file ({n} files)",
             "bytes per file", list(plot), [NAMES[k] for k in ks], plot)
        self.w("![memory](memory.png)")
        self.w()
        # Where the bytes went, per cache, 0 % -> 100 %.
        self.w("Caches that grew by more than 1 MiB, bytes per file at 0 % and "
               "(100 % − 0 %):")
        self.w()
        for k in ks:
            sc = self.d[k]["scale"]
            before, c0, c100 = sc["caches_before"], sc["caches_0"], sc["caches_100"]
            items = []
            for name in sorted(set(c0) | set(c100)):
                b = before.get(name, [0, 0])
                z = c0.get(name, [0, 0])
                h = c100.get(name, [0, 0])
                d0 = (z[0] * z[1] - b[0] * b[1]) / sc["files"]
                d1 = (h[0] * h[1] - z[0] * z[1]) / sc["files"]
                if abs(d0) >= 1 or abs(d1) >= 1:
                    items.append(f"{name} {d0:.0f} / {d1:+.0f}")
            self.w(f"- {NAMES[k]}: " + ", ".join(items))
        self.w()
        lsm = self.d["pristine"]["scale"]["caches_0"].get("lsm_inode_cache") \
            if "pristine" in ks else None
        self.figure("lsm_inode_cache_objsize_pristine", lsm[1] if lsm else None)
        if ("pristine", "0") in per and ("patched", "0") in per:
            p0, y0 = per[("pristine", "0")], per[("patched", "0")]
            p1, y1 = per[("pristine", "1")], per[("patched", "1")]
            p100, y100 = per[("pristine", "100")], per[("patched", "100")]
            csize = self.sizes.get("bench-patched", {}).get("inode_addons", 56)
            why = (f" (no BPF LSM blob: lsm_inode_cache {lsm[1]} B per inode on pristine)"
                   if lsm else "")
            self.verdict(y0 < p0, f"slab memory of {n} cached tmpfs files: {p0:.0f} → "
                         f"{y0:.0f} bytes per file ({fmt_pct(pct(y0, p0))}){why}; with "
                         f"BPF storage on 1 %: {p1:.0f} → {y1:.0f} ({fmt_pct(pct(y1, p1))}).")
            o = f"; one-pointer build {per[('onepointer', '100')]:.0f}" \
                if ("onepointer", "100") in per else ""
            self.verdict(y100 <= p100, f"with BPF storage on every file: {p100:.0f} → "
                         f"{y100:.0f} bytes per file ({fmt_pct(pct(y100, p100))}){o}: "
                         f"each file gets a {csize}-byte container (its own cache, "
                         "through kmem_cache_alloc_nolock()), on top of what every inode "
                         "has, where pristine's storage pointer sits in the LSM blob that "
                         "every inode has anyway; section 7 takes the rest apart, cache "
                         "by cache.")

    # ------------------------------------------------------------ P5
    def part_race(self):
        ks = [k for k in self.kernels if self.results(k, "race")]
        if not ks:
            return
        self.w("## 6. Concurrent creation")
        self.w()
        self.w("One task, then one task per vCPU at once (pinned, released together), "
               "each making an `ioctl()` on the same 2000 fresh files in the same order; "
               "an fentry program on `security_file_ioctl` creates the file's inode storage where it finds none. "
               "On the boot without `-icount`, where the vCPUs run in parallel: times "
               "are emulated nanoseconds (TCG on this host), only their ratio means "
               "anything. *values exact*: files whose single value every task got "
               "once; *lost in storage*: creations that returned NULL because another "
               "task linked its value first; *container races lost*: `cmpxchg` "
               "publications that lost (debugfs counters).")
        self.w()
        self.w("| kernel | tasks | values exact | first / later / found | lost in storage "
               "| containers made | container races lost | creation, emulated ns |")
        self.w("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
        for k in ks:
            rs = self.results(k, "race")
            for i, r in rs.items():
                if "refused" in r:
                    self.w(f"| {NAMES[k]} | – | refused: `{r['refused']}` | | | | | |")
                    continue
                self.w(f"| {NAMES[k]} | {r['tasks']} | {r['values_exact']}/{r['inodes']} | "
                       f"{r['first']} / {r['later']} / {r['found']} | {r['storage_lost']} | "
                       f"{r['containers']} | {r['container_races_lost']} | "
                       f"{r['create_ns_mean']:.0f} |")
            one = rs.get("race_1")
            many = [r for i, r in rs.items() if i != "race_1" and "refused" not in r]
            if k == "patched" and one and many and "refused" not in one:
                m = many[-1]
                self.figure("race_tasks", m["tasks"])
                self.figure("race_values_exact", m["values_exact"])
                self.figure("race_inodes", m["inodes"])
                self.figure("race_storage_lost", m["storage_lost"])
                self.figure("race_container_races_lost", m["container_races_lost"])
                if one["create_ns_mean"]:
                    ratio = m["create_ns_mean"] / one["create_ns_mean"]
                    self.figure("race_create_cost_ratio", round(ratio, 3))
                self.verdict(m["values_exact"] == m["inodes"],
                             f"{m['tasks']} tasks creating storage on the same "
                             f"{m['inodes']} fresh inodes at once: {m['values_exact']} "
                             f"inodes with exactly one value, {m['storage_lost']} creations "
                             f"lost in the storage code, {m['container_races_lost']} "
                             "container publications lost and freed.")
        self.w()

    def part_fanotify(self):
        ks = [k for k in self.kernels if self.results(k, "fanotify")]
        if not ks:
            return
        self.w("## 8. A fanotify listener of 1 % of a filesystem")
        self.w()
        f = self.d[ks[0]]["fanotify"]
        self.w(f"{f['files']} existing tmpfs files, {f['inside']} of them (1 %) in the "
               "watched directory, each opened, written and closed once per round; a "
               "group with a `FAN_CLOSE_WRITE` filesystem mark. *userspace*: the group "
               "reads every event and keeps those whose directory handle is the watched "
               "directory's; *bpf*: the group's BPF filter (`struct fanotify_filter_ops`, "
               "inode storage tag lookup) drops the others before they are queued. Cost "
               "per workload event: instructions per file of the round, from the first "
               "`open()` to the last event read, median of "
               f"{f['rounds']} rounds; the last column subtracts the workload alone "
               "(mode *none*). Only kernels with the filter run this part.")
        self.w()
        self.w("| kernel | mode | events read per round | instructions per workload event "
               "| over the workload alone |")
        self.w("| --- | --- | ---: | ---: | ---: |")
        for k in ks:
            rs = self.results(k, "fanotify")
            base = rs.get("none", {}).get("per_event_median")
            for i in ("none", "userspace", "bpf"):
                r = rs.get(i)
                if not r:
                    continue
                over = "" if i == "none" or not base else f"{r['per_event_median'] - base:+d}"
                self.w(f"| {NAMES[k]} | {i} | {r['events_per_round']} | "
                       f"{r['per_event_median']} | {over} |")
        rs = self.results("patched", "fanotify")
        if all(i in rs for i in ("none", "userspace", "bpf")):
            base = rs["none"]["per_event_median"]
            us = rs["userspace"]["per_event_median"] - base
            bpf = rs["bpf"]["per_event_median"] - base
            self.figure("fanotify_events_read_userspace", rs["userspace"]["events_per_round"])
            self.figure("fanotify_events_read_bpf", rs["bpf"]["events_per_round"])
            self.figure("fanotify_per_event_userspace", us)
            self.figure("fanotify_per_event_bpf", bpf)
            if us > 0:
                self.figure("fanotify_bpf_userspace_ratio", round(bpf / us, 3))
            self.verdict(bpf < us,
                         f"A fanotify listener of 1 % of a filesystem: with the BPF filter "
                         f"on inode storage it reads {rs['bpf']['events_per_round']} events "
                         f"instead of {rs['userspace']['events_per_round']}, and each event "
                         f"of the filesystem costs {bpf} instructions over the bare workload "
                         f"instead of {us}"
                         + (f" ({bpf / us:.2f}x)." if us > 0 else "."))
        self.w()

    def part_create(self):
        self.w("## 5. Creation")
        self.w()
        self.w("Instructions per `get(F_CREATE)` that creates a value, timed inside "
               "the program around the one call, on 1000 fresh files (a container, "
               "a `bpf_local_storage` and an element) or 1000 fresh tasks (storage "
               "and element; the pointer is in `task_struct`); minimum, median, mean.")
        self.w()
        ks = [k for k in self.kernels if self.results(k, "create")]
        ids, what = [], {}
        for k in ks:
            for i, r in self.results(k, "create").items():
                if i not in ids:
                    ids.append(i)
                    what[i] = r["what"]
        self.w("| creation | " + " | ".join(NAMES[k] for k in ks) + " |")
        self.w("| --- |" + " ---: |" * len(ks))
        plot = {}
        for i in ids:
            row = []
            label = f"{i}"
            plot[label] = {}
            for k in ks:
                r = self.results(k, "create").get(i)
                if not r:
                    row.append("–")
                elif "refused" in r:
                    row.append("refused")
                else:
                    row.append(f"{r['min']:.0f} / {r['median']:.0f} / {r['mean']:.0f}")
                    plot[label][NAMES[k]] = round(r["median"])
            self.w(f"| {what[i]} (`{i}`) | " + " | ".join(row) + " |")
        self.w()
        png = os.path.join(self.dir, "create.png")
        bars(png, "Creating BPF local storage (median)",
             "instructions per creation", list(plot), [NAMES[k] for k in ks], plot)
        self.w("![create](create.png)")
        self.w()

        def median(k, i):
            r = self.results(k, "create").get(i)
            return r["median"] if r and "refused" not in r else None
        a, t = median("patched", "inode_fentry"), median("patched", "task")
        pl, lk = median("pristine", "inode_lsm"), median("patched", "inode_fentry_locked")
        self.figure("create_fresh_pristine", pl)
        self.figure("create_fresh_container", a)
        self.figure("create_fresh_onepointer", median("onepointer", "inode_fentry"))
        self.figure("create_locked_container", lk)
        self.figure("create_task_container", t)
        if a is not None and t is not None:
            txt = f"creating storage on a fresh inode: {a:.0f} instructions (median)"
            if pl is not None:
                txt += f" against {pl:.0f} on pristine ({fmt_pct(pct(a, pl))})"
            txt += f"; task storage {t:.0f}"
            if lk is not None:
                txt += (f"; {lk:.0f} when the inode already "
                        "has a container (the allocation is the difference)")
            self.verdict(pl is not None and a <= pl, txt + ".")

    # ------------------------------------------------------------ P7
    def part_goals(self):
        """The round-2 goals, each reached or taken apart into what limits it."""
        f = self.figures
        self.w("## 7. Goals of round 2, and what limits the ones not reached")
        self.w()
        self.w("The goals are those of the performance issue (round 2). A goal not "
               "reached is taken apart from figures of this same run.")
        self.w()
        rows, start = [], len(self.lines)

        # Creation on a fresh inode.
        pl, a = f.get("create_fresh_pristine"), f.get("create_fresh_container")
        lk = f.get("create_locked_container")
        if pl and a and lk:
            goal = 1.10 * pl
            alloc, budget = a - lk, goal - lk
            rows.append(("create inode storage on a fresh inode (instructions)",
                         f"{a:.0f}", f"≤ {goal:.0f}", a <= goal))
            if a > goal:
                hot = {k: self.results(k, "hotpath").get("create_unlink")
                       for k in ("pristine", "patched")}
                self.w(f"- **Creation, {a:.0f} against ≤ {goal:.0f}.** On an inode that "
                       f"already has a container, creating storage costs {lk:.0f} "
                       f"({fmt_pct(pct(lk, pl))} on pristine's {pl:.0f}): the container's "
                       "hop is not what is missing. The difference, "
                       f"{alloc:.0f} instructions, is making the container: one "
                       "`kmem_cache_alloc_nolock()` from its cache (the only allocator "
                       "safe wherever a tracing program runs), its members written, "
                       f"and the `cmpxchg` that publishes it. The goal leaves "
                       f"{budget:.0f} instructions for that, "
                       f"{alloc / max(budget, 1):.0f} times less than it measures here: "
                       "less than a slab allocation costs. Pristine pays no allocation "
                       "here because the BPF LSM's blob slot came with the inode, and "
                       "the one-pointer build because the pointer did.")
                if all(hot.values()):
                    p, y = hot["pristine"]["min"], hot["patched"]["min"]
                    self.w("  Pristine pays for that slot when each inode is created: "
                           "the LSM inode blob (`lsm_inode_cache`, which the patched "
                           "kernel of this config no longer has), whether or not a "
                           "program ever tags the inode. That allocation does not show "
                           "in the cost of creating and removing a tmpfs file, "
                           f"{p:.0f} instructions on pristine and {y:.0f} patched "
                           f"({y / p:.3f}, section 3), within that figure's spread.")
                self.w("  What the goal would take: not allocating on this path, "
                       "i.e. a pointer in struct inode (what VFS refused), or containers "
                       "allocated ahead of use, which moves the cost elsewhere rather "
                       "than removing it.")

        # Memory at 100 %.
        sc = {k: self.d[k]["scale"] for k in ("pristine", "onepointer", "patched")
              if k in self.d and self.d[k]["scale"]}
        m1, mo = f.get("mem100_container"), f.get("mem100_onepointer")
        if m1 is not None and mo is not None and "patched" in sc and "onepointer" in sc:
            goal = mo + 16
            rows.append(("slab bytes per tmpfs file, storage on 100 %",
                         f"{m1:.0f}", f"≤ {goal:.0f}", m1 <= goal))
            per = {}
            for k, x in sc.items():
                before, c100 = x["caches_before"], x["caches_100"]
                for name in set(before) | set(c100):
                    b, h = before.get(name, [0, 0]), c100.get(name, [0, 0])
                    per.setdefault(name, {})[k] = (h[0] * h[1] - b[0] * b[1]) / x["files"]
            ks = list(sc)
            csize = self.sizes.get("bench-patched", {}).get("inode_addons", 56)
            diff = {n: v.get("patched", 0) - v.get("onepointer", 0) for n, v in per.items()}
            big = sorted((n for n in per if abs(diff[n]) >= 0.5 or
                          max(abs(v) for v in per[n].values()) >= 4),
                         key=lambda n: -abs(diff[n]))
            self.w(f"- **Memory with storage on every file, {m1:.0f} against ≤ {goal:.0f} "
                   "bytes per file.** Where each kernel's slab bytes per file went, from "
                   "before the files to storage on all of them (caches with at least "
                   "4 bytes per file, or half a byte between the container and the "
                   "one-pointer build):")
            self.w()
            self.w("  | cache | " + " | ".join(NAMES[k] for k in ks) +
                   " | container − one-pointer |")
            self.w("  | --- |" + " ---: |" * (len(ks) + 1))
            for n in big:
                self.w(f"  | {n} | " + " | ".join(f"{per[n].get(k, 0):.1f}" for k in ks) +
                       f" | {diff[n]:+.1f} |")
            tot = {k: sum(per[n].get(k, 0) for n in per) for k in ks}
            self.w("  | all caches | " + " | ".join(f"{tot[k]:.1f}" for k in ks) +
                   f" | {tot['patched'] - tot['onepointer']:+.1f} |")
            self.w()
            self.w("  (Sums of objects × object size per cache; the figure above is "
                   "`/proc/meminfo`'s `Slab:`, which also counts what each slab page "
                   "leaves unused.) On a file with storage the one-pointer build pays 8 "
                   "bytes of pointer in every inode and the container build a "
                   f"{csize}-byte container from its own cache: {csize - 8} bytes at "
                   "object level before any packing, where the goal allows 16. Meeting "
                   "it takes a container of at most 24 bytes: the pointer to the "
                   "storage and the 16-byte `rcu_head` whose callback destroys the "
                   "storage and frees the container a grace period after the inode, "
                   "and no other member; the lock context, the mark connector, the "
                   "cdev entry and the futex number take the rest. The `rcu_head` "
                   "cannot share memory with members that RCU readers may still load, "
                   "and a head-less `kfree_rcu()` only frees, and waits for a grace "
                   "period in place (`synchronize_rcu()`) when it cannot allocate, on "
                   "the eviction path. So in this design the goal is out of reach by "
                   f"{csize - 24} bytes at least.")
            self.w()

        # The kfunc against the helper.
        kf, hp = f.get("lookup_kfunc_container"), f.get("lookup_helper_container")
        if kf and hp:
            rows.append(("lookup through the kfunc vs the helper (instructions)",
                         f"{kf:.0f} / {hp:.0f}", "kfunc ≤ helper", kf <= hp))

        # The first lock.
        hot = {k: self.results(k, "hotpath") for k in ("pristine", "patched")}
        fr = f.get("flock_fresh_ratio")
        if fr and all("flock_fresh" in hot[k] and "flock_again" in hot[k] for k in hot):
            rows.append(("flock on a fresh file, ratio to pristine", f"{fr:.3f}",
                         "≤ 1.050", fr <= 1.05))
            p0, y0 = hot["pristine"]["flock_fresh"]["min"], hot["patched"]["flock_fresh"]["min"]
            p1, y1 = hot["pristine"]["flock_again"]["min"], hot["patched"]["flock_again"]["min"]
            if fr > 1.05:
                self.w(f"- **The first lock, {fr:.3f} against ≤ 1.050.** A first flock "
                       f"costs {p0:.0f} instructions on pristine and {y0:.0f} patched "
                       f"(+{y0 - p0:.0f}); a flock on a file that already has a lock "
                       f"context {p1:.0f} and {y1:.0f} (+{y1 - p1:.0f}, the hop). The "
                       f"rest, {(y0 - p0) - (y1 - p1):.0f} instructions, is the path to "
                       "the container (the call into it, its publication) around the one "
                       "allocation that makes it and the lock context together; the goal "
                       f"leaves {0.05 * p0 - (y1 - p1):.0f} for it.")
                self.w()
        notes, self.lines = self.lines[start:], self.lines[:start]
        if not rows:
            self.w("(no results)")
            return
        self.w("| goal | this run | goal | reached |")
        self.w("| --- | ---: | ---: | --- |")
        for what, v, g, ok in rows:
            self.w(f"| {what} | {v} | {g} | {'yes' if ok else 'no'} |")
        self.w()
        self.lines += notes

    def write(self):
        self.part_sizes()
        self.part_lookup()
        self.part_hotpath()
        self.part_scale()
        self.part_create()
        self.part_race()
        self.part_goals()
        self.part_fanotify()
        body = self.lines
        self.lines = []
        self.w("# make bench report: the inode add-on container")
        self.w()
        host = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        host = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
        e = next((self.d[k]["env_timed"] for k in self.kernels if self.d[k]["env_timed"]), {})
        self.w(f"Kernels: {', '.join(NAMES[k] for k in self.kernels)}, all Linux 7.3.4 "
               "built with `configs/bench.config` (the test config without its debug "
               "options, plus XFS and btrfs). "
               f"Host: {host}, {os.cpu_count()} CPUs; {qemu}, TCG (no KVM here). "
               f"Guests: {e.get('cpus', '?')} vCPUs; the timed boots run under "
               "`-icount shift=0`, so **every time in this report is an instruction "
               "count**, not hardware nanoseconds; memory figures come from a boot "
               "without `-icount`. BPF LSM in the guests: "
               f"{e.get('bpf_lsm', '?')} (CONFIG_LSM's default list, as on Debian).")
        self.w()
        try:
            with open(os.path.join(self.dir, "retries.txt")) as f:
                retries = [l.strip() for l in f if l.strip()]
        except FileNotFoundError:
            retries = []
        self.w(f"Boots retried after QEMU TCG's text-poke `int3` race: {len(retries)}" +
               ("" if not retries else " (" + "; ".join(retries) + ")") + ".")
        self.w()
        self.w("## Conclusion")
        self.w()
        self.w("**Where the container wins**")
        self.w()
        for win, s in self.summary:
            if win:
                self.w(f"- {s}")
        self.w()
        self.w("**Where it loses**")
        self.w()
        for win, s in self.summary:
            if not win:
                self.w(f"- {s}")
        self.w()
        self.lines += body
        with open(os.path.join(self.dir, "report.md"), "w") as f:
            f.write("\n".join(self.lines) + "\n")
        with open(os.path.join(self.dir, "summary.json"), "w") as f:
            json.dump(summary(self.figures), f, indent=1, sort_keys=True)
            f.write("\n")


def summary(figures):
    """summary.json's object: every figure the report kept (a number each),
    by key; names on stderr those of SUMMARY_KEYS it has no data for."""
    missing = [k for k in SUMMARY_KEYS if k not in figures]
    if missing:
        print("report.py: summary.json omits (no data): " + ", ".join(missing),
              file=sys.stderr)
    return {k: figures[k] for k in sorted(figures)}


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: report.py BENCH_DIR KERNEL...")
    Report(sys.argv[1], sys.argv[2:]).write()
    print(os.path.join(sys.argv[1], "report.md"))
    print(os.path.join(sys.argv[1], "summary.json"))


if __name__ == "__main__":
    main()
