#!/usr/bin/python3
# check-potfiles.py
# Copyright 2026 DeepSeek Local developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that po/POTFILES.in lists exactly the files that need translating.

Usage: check-potfiles.py [SOURCE_ROOT]

Fails when a file under src/, resources/ or data/ has translatable strings but
is not listed (its strings would silently stay English), when a listed file
does not exist (xgettext would stop), or when a file is listed twice.
Files named in po/POTFILES.skip are not required to be listed.
"""

import os
import re
import sys

SCANNED_DIRS = ("src", "resources", "data")

CODE_SUFFIXES = (".c", ".h", ".js", ".py", ".vala", ".blp")
CODE_RE = re.compile(
    r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_)\s*\(\s*"'
    r'|(?<![A-Za-z0-9_])(?:g_)?d?n?gettext\s*\('
    r'|(?<![A-Za-z0-9_])g_dpgettext2?\s*\('
)
UI_RE = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"', re.IGNORECASE)
DESKTOP_RE = re.compile(r"^(?:Name|GenericName|Comment|Keywords|X-GNOME-FullName)\s*=", re.MULTILINE)
METAINFO_RE = re.compile(r"<(?:name|summary|p|li|caption|keyword|developer_name)\b")
GSCHEMA_RE = re.compile(r"<(?:summary|description)\b|<default[^>]*\bl10n=")


def strip_in(name):
    while name.endswith(".in"):
        name = name[:-3]
    return name


def translatable(path):
    """Return a short reason if the file has strings xgettext would extract, else None."""
    name = strip_in(os.path.basename(path))
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None

    if name.endswith(CODE_SUFFIXES):
        m = CODE_RE.search(text)
        return f"uses {m.group(0).strip()}…" if m else None
    if name.endswith(".ui"):
        return 'has translatable="yes"' if UI_RE.search(text) else None
    if name.endswith(".desktop"):
        # Only the .in template is what translators see; a plain .desktop is generated.
        if os.path.basename(path).endswith(".in") and DESKTOP_RE.search(text):
            return "has Name/Comment/Keywords entries"
        return None
    if name.endswith((".metainfo.xml", ".appdata.xml")):
        if os.path.basename(path).endswith(".in") and METAINFO_RE.search(text):
            return "has a name, summary, description or captions"
        return None
    if name.endswith(".gschema.xml"):
        # Without a gettext-domain GLib never translates the summaries, so listing is pointless.
        if "gettext-domain" in text and GSCHEMA_RE.search(text):
            return "has summaries or descriptions and a gettext-domain"
        return None
    return None


def read_list(path):
    """Entries of a POTFILES-style file: one path a line, # comments, [encoding] lines ignored."""
    entries = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("["):
                continue
            entries.append((lineno, line))
    return entries


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                           else os.path.join(os.path.dirname(__file__), "..", ".."))
    potfiles = os.path.join(root, "po", "POTFILES.in")
    skipfile = os.path.join(root, "po", "POTFILES.skip")
    problems = []

    if not os.path.isfile(potfiles):
        print(f"FAILED: {potfiles} does not exist; list the files with translatable strings there")
        return 1

    listed = read_list(potfiles)
    skipped = {p for _, p in read_list(skipfile)} if os.path.isfile(skipfile) else set()

    seen = {}
    for lineno, entry in listed:
        if os.path.isabs(entry):
            problems.append(f"po/POTFILES.in:{lineno}: {entry} must be relative to the source root")
            continue
        if entry in seen:
            problems.append(f"po/POTFILES.in:{lineno}: {entry} is already listed on line {seen[entry]}")
            continue
        seen[entry] = lineno
        if not os.path.isfile(os.path.join(root, entry)):
            problems.append(f"po/POTFILES.in:{lineno}: {entry} does not exist "
                            "(remove it or fix the path)")

    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                full = os.path.join(dirpath, filename)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                if rel in seen or rel in skipped:
                    continue
                reason = translatable(full)
                if reason:
                    problems.append(f"{rel} {reason} but is not in po/POTFILES.in "
                                    "(add it, or to po/POTFILES.skip if it must not be translated)")

    for entry in seen:
        full = os.path.join(root, entry)
        if os.path.isfile(full) and translatable(full) is None:
            print(f"note: {entry} is listed but no translatable strings were found in it")

    if problems:
        print("POTFILES check FAILED:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"POTFILES check OK: {len(seen)} files listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
