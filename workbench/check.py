#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a test kernel, collect KUnit KTAP and in-guest results, and judge.

  check.py boot --variant y --kernel BZIMAGE --out build/results-y.json
  check.py host --name NAME --out build/results-host.json -- CMD...
  check.py summary build/results-*.json

Any oops, BUG, WARN, KASAN/KCSAN/UBSAN/kmemleak/lockdep report, panic, hang
or timeout in a guest is a failed test of its own.  "summary" prints a
per-suite table and ends with the line "N passed, N failed".
"""
import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Kernel reports that fail the run, whatever the tests said.
BAD = [
    (re.compile(r"\bBUG: "), "BUG"),
    (re.compile(r"WARNING: (CPU|at|suspicious|possible)"), "WARN"),
    (re.compile(r"------------\[ cut here \]------------"), "WARN"),
    (re.compile(r"\bOops\b|general protection fault"), "oops"),
    (re.compile(r"KASAN: |KCSAN: |UBSAN: "), "sanitizer"),
    (re.compile(r"kmemleak: \d+ new suspected memory leaks"), "kmemleak"),
    (re.compile(r"possible (circular|recursive) locking|inconsistent lock state|"
                r"DEBUG_LOCKS_WARN_ON|lockdep"), "lockdep"),
    (re.compile(r"Kernel panic"), "panic"),
    (re.compile(r"soft lockup|hung_task|blocked for more than|rcu_\w+ detected stalls|"
                r"RCU Stall|self-detected stall"), "hang"),
    (re.compile(r"ODEBUG: "), "debugobjects"),
]
# Lines that match BAD but are not reports.
BENIGN = [
    re.compile(r"lockdep (is turned off|self-tests|: debug)|Lock dependency validator|"
               r"RCU lockdep checking is enabled"),
    re.compile(r"KASAN: (vmalloc|initialized|Generic)|kasan: KernelAddressSanitizer initialized"),
    re.compile(r"kmemleak: Kernel memory leak detector"),
    re.compile(r"hung_task.*(init|timeout)", re.I),
]

# A KCSAN report involves us (make stress-kcsan) when the container or BPF
# local storage appears anywhere in it, or when one of the racing accesses
# is made by a function of the container's members' subsystems or of the
# inode setup and teardown it hooks into.  The latter only counts as the
# access itself (the first frame of a stack): every ext4 journal race has
# evict() somewhere below it.
KCSAN_START = re.compile(r"BUG: KCSAN: ")
KCSAN_END = re.compile(r"^=+$")
KCSAN_OURS = re.compile(r"inode_addons|i_addons|bpf_inode_storage|bpf_local_storage|bpf_selem")
KCSAN_OURS_ACCESS = re.compile(
    r"^(\S*(locks_|flock|posix_lock|lease|file_lock|fsnotify|inotify|fanotify|dnotify)\S*"
    r"|evict|__destroy_inode|destroy_inode|inode_init_always\w*)\+0x")
KCSAN_ACCESS = re.compile(r"\b(read|write)\b.* (to|of) 0x[0-9a-f]+ .*by (task|interrupt)")


def kcsan_involves_us(lines):
    """Whether the KCSAN report made of LINES involves our code."""
    if KCSAN_OURS.search("\n".join(lines)):
        return True
    for i, line in enumerate(lines[:-1]):
        if KCSAN_ACCESS.search(line) and KCSAN_OURS_ACCESS.match(lines[i + 1].strip()):
            return True
    return False

# The leak that tests/00-core.sh makes on purpose, announced in the kernel log.
EXPECTED_LEAK_BEGIN = "inode_addons-test: expected kmemleak report begins"
EXPECTED_LEAK_END = "inode_addons-test: expected kmemleak report ends"
EXPECTED_LEAK = re.compile(r"kmemleak: 1 new suspected memory leaks")

TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
GUEST = re.compile(r"GUEST: (ok|not ok|skip) (\S+)(?: - (.*))?")
GUEST_TIME = re.compile(r"^GUEST-TIME: (\S+) (\d+)$")


def kunit_parser():
    """The kernel's own KTAP parser, from the patched tree's kunit tool."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.environ.get("BUILD_DIR") or os.path.join(top, "build")
    tool = os.path.join(build, "linux", "tools", "testing", "kunit")
    if not os.path.isfile(os.path.join(tool, "kunit_parser.py")):
        sys.exit("check.py: no kunit_parser.py in %s: run 'make source'" % tool)
    sys.path.insert(0, tool)
    import kunit_parser as kp  # noqa: E402
    import kunit_printer  # noqa: E402
    return kp, kunit_printer.null_printer


KTAP_LINE = re.compile(r"^\s*(KTAP version|TAP version|1\.\.|ok |not ok |#)")


def parse_kunit(lines):
    """KUnit results of a boot log: (suite, case, status, detail) per case.

    The KTAP that KUnit prints at boot, up to the first in-guest result, goes
    through tools/testing/kunit/kunit_parser.py as kunit.py would parse it.
    A parameterised case counts once, with its own status; a suite that
    crashed mid-way fails its unfinished case.
    """
    kp, printer = kunit_parser()
    ktap = []
    for line in lines:
        if "GUEST: " in line:
            break
        # Only KTAP: other kernel messages land between KUnit's lines (a
        # kthread that reaches a new stack depth says so, at any time), and
        # one between "KTAP version" and "# Subtest:" derails the parser.
        if KTAP_LINE.match(line):
            ktap.append(line)
    if not any("KTAP version" in line or "TAP version" in line for line in ktap):
        return []
    top = kp.parse_run_tests(ktap, printer)
    status = {kp.TestStatus.SUCCESS: "pass", kp.TestStatus.SKIPPED: "skip"}
    out = []
    for suite in top.subtests:
        for case in suite.subtests:
            detail = case.skip_reason if case.status == kp.TestStatus.SKIPPED else (
                "" if case.status == kp.TestStatus.SUCCESS else case.status.name.lower())
            out.append(("kunit/" + suite.name, case.name, status.get(case.status, "fail"),
                        detail.strip()))
        if not suite.subtests:
            out.append(("kunit/" + suite.name, "(suite)", status.get(suite.status, "fail"),
                        suite.status.name.lower()))
    return out


def parse(log, variant, expect_suites, kcsan_ours_only=False):
    results = []  # (suite, name, status, detail)
    done = False
    reports = []
    kcsan = None  # lines of the KCSAN report being read
    unrelated = []
    expected_leak = False  # inside the window of the leak made on purpose
    lines = [TS.sub("", raw.rstrip("\r")) for raw in log.splitlines()]
    results.extend(parse_kunit(lines))
    for line in lines:
        if kcsan_ours_only and kcsan is not None:
            kcsan.append(line)
            if KCSAN_END.match(line.strip()) and len(kcsan) > 2:
                if kcsan_involves_us(kcsan):
                    reports.append(("sanitizer", kcsan[0].strip()[:160]))
                else:
                    unrelated.append(kcsan[0].strip()[:160])
                kcsan = None
            continue
        if kcsan_ours_only and KCSAN_START.search(line):
            kcsan = [line]
            continue
        m = GUEST.search(line)
        if m:
            status = {"ok": "pass", "not ok": "fail", "skip": "skip"}[m.group(1)]
            suite, _, name = m.group(2).rpartition("/")
            results.append(("guest-%s/%s" % (variant, suite or "misc"), name, status, m.group(3) or ""))
            continue
        if "GUEST: done" in line:
            done = True
            continue
        if EXPECTED_LEAK_BEGIN in line:
            expected_leak = True
        elif EXPECTED_LEAK_END in line:
            expected_leak = False
        if expected_leak and EXPECTED_LEAK.search(line):
            continue
        if any(b.search(line) for b in BENIGN):
            continue
        for rx, kind in BAD:
            if rx.search(line):
                reports.append((kind, line.strip()[:160]))
                break
    # A report fails the run: one failed test per kind, with its first line.
    seen = set()
    for kind, first in reports:
        if kind not in seen:
            seen.add(kind)
            n = sum(1 for k, _ in reports if k == kind)
            results.append(("kernel-%s" % variant, "no-%s-report" % kind, "fail",
                            "%d line(s), first: %s" % (n, first)))
    if kcsan is not None:  # cut short: the guest died inside a report
        reports.append(("sanitizer", kcsan[0].strip()[:160]))
    # KCSAN reports in code we did not touch: listed, not hidden, not ours.
    for first in sorted(set(unrelated)):
        results.append(("kernel-%s" % variant, "unrelated-kcsan-report", "skip",
                        "%d time(s): %s" % (unrelated.count(first), first)))
    if not reports:
        results.append(("kernel-%s" % variant, "no-kernel-reports", "pass", ""))
    results.append(("kernel-%s" % variant, "guest-completed", "pass" if done else "fail",
                    "" if done else "the guest did not finish (crash, hang or timeout)"))
    ran = {r[0][len("kunit/"):] for r in results if r[0].startswith("kunit/")}
    for s in expect_suites:
        results.append(("kernel-%s" % variant, "kunit-suite-ran/" + s,
                        "pass" if s in ran else "fail",
                        "" if s in ran else "suite missing from the KTAP output"))
    return results


def excerpt(log, limit):
    """The first kernel report of a guest log, with what userspace printed
    last before it, cut to limit lines; or the log's tail if it has none."""
    lines = log.splitlines()
    at = None
    for i, line in enumerate(lines):
        if any(b.search(line) for b in BENIGN) or EXPECTED_LEAK.search(line):
            continue
        if any(rx.search(line) for rx, _ in BAD):
            at = i
            break
    if at is None:
        return lines[-limit:]
    user = [l for l in lines[max(0, at - 400):at] if not TS.match(l.lstrip())][-6:]
    return (["... last userspace output before the report:"] + user +
            ["... the report:"] + lines[at:at + limit - len(user) - 2])


def guest_times(log):
    """One line on where a guest's time went: its boot, each file of
    tests/, the final kmemleak scans, and the slowest single tests."""
    times = [(m.group(1), int(m.group(2)))
             for m in (GUEST_TIME.match(TS.sub("", l).strip()) for l in log.splitlines()) if m]
    if not times:
        return "guest times: none reported (the guest did not reach its tests)"
    files = [(n, t) for n, t in times if n in ("boot", "kmemleak") or n.startswith("tests/")]
    tests = sorted((x for x in times if x not in files), key=lambda x: -x[1])[:6]
    return "guest times (s): %s; slowest tests: %s" % (
        ", ".join("%s %d" % x for x in files), ", ".join("%s %d" % x for x in tests))


def cmd_excerpt(a):
    for path in a.files:
        if not os.path.exists(path):
            continue
        r = json.load(open(path))
        if not any(st == "fail" for _, _, st, _ in r["results"]) or not r.get("log"):
            continue
        if not os.path.exists(r["log"]):
            continue
        print("== %s: %s" % (path, r["log"]))
        for line in excerpt(open(r["log"], errors="replace").read(), a.lines):
            print("  " + line[:200])
    return 0


def futex_selftests(script):
    """The tools/testing/selftests/futex/functional programs that
    tests/25-futex.sh runs: its futex_progs= list (it says why not the others)."""
    m = re.search(r'^futex_progs="([^"]*)"$', open(script).read(), re.M)
    if not m:
        sys.exit("check.py: no futex_progs= line in %s" % script)
    return m.group(1).split()


def cmd_boot(a):
    log_path = a.out.replace(".json", ".log")
    # Userspace helpers for the guest, built on the host (same root filesystem).
    # From the applied tree: a later patch of the series may change a file.
    build_dir = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))
    src = os.path.join(build_dir, "linux/tools/testing/selftests/inode_addons")
    bindir = os.path.join(build_dir, "guest-bin")
    os.makedirs(bindir, exist_ok=True)
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror",
                    "-o", os.path.join(bindir, "addons_test"),
                    os.path.join(src, "addons_test.c")], check=True)
    def wanted(test):
        return fnmatch.fnmatch(test, a.tests)
    # The stress driver, and the kernel's own BPF selftests (a subset of
    # test_progs), against the BTF of the kernel under test itself.
    own_vmlinux = os.path.join(os.path.dirname(a.kernel), "../../../vmlinux")
    if wanted("50-stress"):
        subprocess.run(["bash", os.path.join(src, "stress/build.sh"), own_vmlinux,
                        os.path.join(os.path.dirname(bindir), "stress")], check=True)
    test_progs = os.path.join(os.path.dirname(bindir), "test-progs-" + a.variant)
    if wanted("35-test-progs"):
        subprocess.run(["bash", os.path.join(TOP, "workbench/test-progs.sh"), own_vmlinux,
                        test_progs], check=True)
    # The samples, against the same BTF.
    sample_dir = os.path.join(os.path.dirname(bindir), "sample-target")
    for tool, test in (("inode_activity", "40-inode-activity"),
                       ("fanotify_subtree", "45-fanotify-subtree")):
        if wanted(test):
            subprocess.run(["bash", os.path.join(TOP, "samples/inode_addons/build.sh"), tool,
                            own_vmlinux], check=True, stdout=subprocess.DEVNULL,
                           env=dict(os.environ, CARGO_TARGET_DIR=sample_dir,
                                    CARGO_BUILD_JOBS=str(os.cpu_count() or 1)))
    # The kernel's futex selftests that 25-futex runs, from the applied tree.
    futex_dir = os.path.join(os.path.dirname(bindir), "futex-selftests")
    if wanted("25-futex"):
        os.makedirs(futex_dir, exist_ok=True)
        fsrc = os.path.join(build_dir, "linux/tools/testing/selftests/futex")
        for t in futex_selftests(os.path.join(src, "tests/25-futex.sh")):
            subprocess.run(["gcc", "-O2", "-Wall", "-pthread", "-D_FILE_OFFSET_BITS=64",
                            "-D_TIME_BITS=64", "-D_GNU_SOURCE", "-I", os.path.join(fsrc, "include"),
                            "-I", os.path.join(fsrc, ".."), "-o", os.path.join(futex_dir, t),
                            os.path.join(fsrc, "functional", t + ".c"), "-lpthread", "-lrt"],
                           check=True)
    label = a.label or a.variant
    guest_env = "TEST_PROGS_DIR=%s INODE_ACTIVITY=%s FANOTIFY_SUBTREE=%s FUTEX_SELFTESTS=%s %s " % (
        test_progs, os.path.join(sample_dir, "release/inode-activity"),
        os.path.join(sample_dir, "release/fanotify-subtree"), futex_dir, a.guest_env or "")
    cmd = ["bash", os.path.join(TOP, "workbench/run.sh"), a.kernel,
           "%s%sGUEST_BIN=%s %s/run_guest.sh %s '%s'" % (
               "EXPECT_NO_BPF_LSM=1 " if a.no_bpf_lsm else "", guest_env, bindir, src,
               a.variant, a.tests)]
    env = dict(os.environ)
    if a.append:
        env["RUN_APPEND"] = a.append
    t0 = time.time()
    with open(log_path, "w") as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=TOP, env=env)
    took = time.time() - t0
    log = open(log_path, errors="replace").read()
    res = parse(log, label, a.expect_suite or [], a.kcsan_ours_only)
    if p.returncode not in (0,):
        res.append(("kernel-%s" % label, "guest-exit-status", "fail",
                    "run.sh exited %d, log: %s" % (p.returncode, log_path)))
    json.dump({"results": res, "seconds": took, "log": log_path}, open(a.out, "w"), indent=1)
    print("boot %s: %.0f s, log %s" % (label, took, log_path))
    print("  %s" % guest_times(log))
    if any(st == "fail" for _, _, st, _ in res):
        for line in excerpt(log, 80):
            print("  " + line[:200])
    return 0


def cmd_host(a):
    t0 = time.time()
    p = subprocess.run(a.argv, cwd=TOP, capture_output=True, text=True)
    sys.stdout.write(p.stdout[-4000:])
    sys.stderr.write(p.stderr[-4000:])
    res = []
    for line in p.stdout.splitlines():
        m = re.match(r"^(ok|not ok|skip) (\S+)(?: - (.*))?", line)
        if m:
            st = {"ok": "pass", "not ok": "fail", "skip": "skip"}[m.group(1)]
            res.append(("host/" + a.name, m.group(2), st, m.group(3) or ""))
    if p.returncode != 0 and not any(r[2] == "fail" for r in res):
        res.append(("host/" + a.name, "exit-status", "fail", "exit %d" % p.returncode))
    json.dump({"results": res, "seconds": time.time() - t0}, open(a.out, "w"), indent=1)
    return 0


def cmd_summary(a):
    suites = {}
    failures = []
    for path in a.files:
        if not os.path.exists(path):
            suites.setdefault(path, [0, 0, 0])[1] += 1
            failures.append((path, "missing", "no results file: that step did not run"))
            continue
        for suite, name, status, detail in json.load(open(path))["results"]:
            s = suites.setdefault(suite, [0, 0, 0])
            s[{"pass": 0, "fail": 1, "skip": 2}[status]] += 1
            if status == "fail":
                failures.append((suite, name, detail))
    width = max([len(s) for s in suites] + [10])
    print("%-*s %7s %7s %7s" % (width, "suite", "passed", "failed", "skipped"))
    for s in sorted(suites):
        p, f, k = suites[s]
        print("%-*s %7d %7d %7d" % (width, s, p, f, k))
    for suite, name, detail in failures:
        print("FAILED %s/%s: %s" % (suite, name, detail))
    passed = sum(v[0] for v in suites.values())
    failed = sum(v[1] for v in suites.values())
    skipped = sum(v[2] for v in suites.values())
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed or not passed else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("boot")
    b.add_argument("--variant", required=True)
    b.add_argument("--kernel", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--expect-suite", action="append")
    b.add_argument("--label", help="name of this boot in the results (default: the variant)")
    b.add_argument("--append", help="extra kernel command line")
    b.add_argument("--tests", default="*", help="glob of the in-guest tests to run")
    b.add_argument("--kcsan-ours-only", action="store_true",
                   help="fail on KCSAN reports that involve our code; list the others")
    b.add_argument("--guest-env", help="VAR=value ... for the in-guest tests (e.g. STRESS_SECS=60)")
    b.add_argument("--no-bpf-lsm", action="store_true",
                   help="the guest must find the BPF LSM inactive")
    h = sub.add_parser("host")
    h.add_argument("--name", required=True)
    h.add_argument("--out", required=True)
    h.add_argument("argv", nargs=argparse.REMAINDER)
    s = sub.add_parser("summary")
    s.add_argument("files", nargs="+")
    e = sub.add_parser("excerpt", help="the first kernel report of each failed boot")
    e.add_argument("--lines", type=int, default=40)
    e.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.cmd == "host" and a.argv and a.argv[0] == "--":
        a.argv = a.argv[1:]
    return {"boot": cmd_boot, "host": cmd_host, "summary": cmd_summary, "excerpt": cmd_excerpt}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
