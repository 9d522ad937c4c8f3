#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Show the demo's own lines and the KUnit verdicts from a verbose boot log."""
import re
import sys

keep = re.compile(r"DEMO: |# (inode_addons\w*|rust_kernel_slab): pass:|run: TIMEOUT|"
                  r"BUG:|WARNING:|KASAN:|Kernel panic")
for line in sys.stdin:
    line = re.sub(r"^\[\s*\d+\.\d+\]\s?", "", line.rstrip())
    if keep.search(line):
        print(line.replace("DEMO: ", "", 1))
