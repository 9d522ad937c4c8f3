#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write patches/ and the overlay files from a git history of the series.

The inverse of workbench/series.sh.  Edit the series as git history (for
example a clone of build/series-git: commit 'fixup! <subject>' and
'git rebase -i --autosquash v7.3.4'), then run

    python3 workbench/export.py HISTORY_REPO [BASE [TIP]]

from the top of this repository.  One entry of patches/series per commit
of BASE..TIP (default v7.3.4..inode_addons):

  - a file the commit adds and no later commit touches is an overlay file:
    copied here at its kernel path and listed under the entry;
  - every other change is a diff in the entry's patch (a file added here
    but changed again later enters as a diff from /dev/null).

A patch whose message and diff mean what the existing file means is not
rewritten, so an unchanged history exports to no change at all.  Prints
what it wrote.
"""
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATCHES = os.path.join(TOP, 'patches')


def git(repo, *args, inp=None):
    return subprocess.run(['git', '-C', repo, *args], input=inp, check=True,
                          capture_output=True).stdout


def blob(repo, rev, path):
    r = subprocess.run(['git', '-C', repo, 'show', f'{rev}:{path}'],
                       capture_output=True)
    return r.stdout if r.returncode == 0 else None


def unified(path, old, new):
    """GNU diff -u of two blobs (None: the file does not exist)."""
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, 'a'), os.path.join(d, 'b')
        open(a, 'wb').write(old or b'')
        open(b, 'wb').write(new or b'')
        r = subprocess.run(['diff', '-u', '--label',
                            '/dev/null' if old is None else f'a/{path}',
                            '--label', '/dev/null' if new is None else f'b/{path}',
                            a, b], capture_output=True)
        if r.returncode > 1:
            sys.exit(f'export: diff failed on {path}: {r.stderr.decode()}')
        return r.stdout.decode()


def slug(subject):
    s = re.sub(r'^[^:]*:\s*', '', subject) if subject.count(':') else subject
    prefix = subject.split(':')[0].replace('/', '-').replace(' ', '-')
    words = re.sub(r'[^A-Za-z0-9_]+', '-', f'{prefix} {s}').strip('-')
    return words[:80]


def patch_files(text):
    return re.findall(r'^\+\+\+ (?:b/)?(\S+)', text, re.M)


def same_effect(repo, parent, old_text, new_text, paths):
    """Does the old patch do to the parent's tree what the new one does?"""
    results = []
    for text in (old_text, new_text):
        with tempfile.NamedTemporaryFile() as idx:
            env = dict(os.environ, GIT_INDEX_FILE=idx.name)
            subprocess.run(['git', '-C', repo, 'read-tree', parent], env=env, check=True)
            r = subprocess.run(['git', '-C', repo, 'apply', '--cached',
                                '--whitespace=nowarn', '-'], input=text.encode(),
                               env=env, capture_output=True)
            if r.returncode:
                return False
            out = subprocess.run(['git', '-C', repo, 'ls-files', '-s', '--', *paths],
                                 env=env, check=True, capture_output=True).stdout
            results.append(out)
    return results[0] == results[1]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    repo = os.path.abspath(sys.argv[1])
    base = sys.argv[2] if len(sys.argv) > 2 else 'v7.3.4'
    tip = sys.argv[3] if len(sys.argv) > 3 else 'inode_addons'
    commits = git(repo, 'rev-list', '--reverse', f'{base}..{tip}').decode().split()
    if not commits:
        sys.exit(f'export: {base}..{tip} is empty in {repo}')

    series_path = os.path.join(PATCHES, 'series')
    series_text = open(series_path).read()
    head = series_text[:series_text.index('\n\n') + 2] if series_text.startswith('#') else ''
    old_names = re.findall(r'^([^#\s]\S*)$', series_text, re.M)
    old_overlay = set(re.findall(r'^\s+(\S+)$', series_text, re.M))

    # Which paths each commit touches, to tell overlay files from diffs.
    changes = []
    touched_later = {}
    for i, c in enumerate(commits):
        rows = git(repo, 'diff-tree', '--no-commit-id', '-r', '--no-renames',
                   '--name-status', f'{c}^', c).decode().splitlines()
        ch = [(r.split('\t')[0], r.split('\t')[1]) for r in rows]
        changes.append(ch)
        for _, p in ch:
            touched_later.setdefault(p, []).append(i)

    entries, wrote, overlay_all = [], [], set()
    for i, c in enumerate(commits):
        subject = git(repo, 'log', '-1', '--format=%s', c).decode().strip()
        body = git(repo, 'log', '-1', '--format=%b', c).decode().rstrip('\n')
        author = git(repo, 'log', '-1', '--format=%an <%ae>', c).decode().strip()
        overlay, diffs = [], []
        for status, p in changes[i]:
            if status == 'A' and touched_later[p] == [i]:
                overlay.append(p)
            else:
                diffs.append(p)
        overlay.sort()
        overlay_all.update(overlay)

        name = old_names[i] if i < len(old_names) else None
        old_text = open(os.path.join(PATCHES, name)).read() if name else None
        if old_text is None or f'Subject: [PATCH] {subject}\n' not in old_text:
            name = f'{i + 1:04d}-{slug(subject)}.patch'
            old_text = None
        # Keep the existing patch's file order; new files go after, sorted.
        order = patch_files(old_text) if old_text else []
        diffs.sort(key=lambda p: (order.index(p) if p in order else len(order), p))
        text = f'From: {author}\nSubject: [PATCH] {subject}\n\n{body}\n---\n'
        for p in diffs:
            text += unified(p, blob(repo, f'{c}^', p), blob(repo, c, p))
        if old_text != text and not (
                old_text is not None and old_text.split('\n---\n', 1)[0] ==
                text.split('\n---\n', 1)[0] and
                same_effect(repo, f'{c}^', old_text, text, diffs)):
            for stale in [n for n in os.listdir(PATCHES) if n[:5] == name[:5] and n != name]:
                os.unlink(os.path.join(PATCHES, stale))
            open(os.path.join(PATCHES, name), 'w').write(text)
            wrote.append(f'patches/{name}')
        for p in overlay:
            data = blob(repo, c, p)
            dst = os.path.join(TOP, p)
            if not os.path.exists(dst) or open(dst, 'rb').read() != data:
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                open(dst, 'wb').write(data)
                mode = git(repo, 'ls-tree', c, '--', p).decode().split()[0]
                os.chmod(dst, 0o755 if mode == '100755' else 0o644)
                wrote.append(p)
        entries.append((name, overlay))

    for n in old_names[len(commits):]:
        os.unlink(os.path.join(PATCHES, n))
        wrote.append(f'patches/{n} (removed)')
    for p in sorted(old_overlay - overlay_all):
        if os.path.exists(os.path.join(TOP, p)):
            os.unlink(os.path.join(TOP, p))
            wrote.append(f'{p} (removed: no longer an overlay file)')

    new_series = head + ''.join(
        f'{n}\n' + ''.join(f'\t{p}\n' for p in ov) for n, ov in entries)
    if new_series != series_text:
        open(series_path, 'w').write(new_series)
        wrote.append('patches/series')
    print('\n'.join(f'export: wrote {w}' for w in wrote) or 'export: nothing changed')


if __name__ == '__main__':
    main()
