#!/usr/bin/python3
# check-flatpak.py
# Copyright 2026 DeepSeek Local developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest: valid JSON, the expected app, runtime and sandbox.

Usage: check-flatpak.py MANIFEST [--app-id ID] [--command NAME]

The sandbox permissions are part of what users are promised, so any extra or
missing finish-arg is a failure, not a warning.
"""

import argparse
import json
import os
import sys

REQUIRED_FINISH_ARGS = [
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
]
MIN_RUNTIME_VERSION = 47


def check(manifest_path, app_id, command):
    problems = []

    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except OSError as e:
        return [f"cannot read the manifest: {e}"]
    except json.JSONDecodeError as e:
        return [f"the manifest is not valid JSON: {e}"]

    if not isinstance(manifest, dict):
        return ["the manifest must be a JSON object"]

    manifest_id = manifest.get("id", manifest.get("app-id"))
    if manifest_id != app_id:
        problems.append(f"id is {manifest_id!r}, expected {app_id!r}")

    if manifest.get("runtime") != "org.gnome.Platform":
        problems.append(f"runtime is {manifest.get('runtime')!r}, expected 'org.gnome.Platform'")
    if manifest.get("sdk") != "org.gnome.Sdk":
        problems.append(f"sdk is {manifest.get('sdk')!r}, expected 'org.gnome.Sdk'")

    version = manifest.get("runtime-version")
    if not isinstance(version, str):
        problems.append(f"runtime-version must be a string such as \"{MIN_RUNTIME_VERSION}\", "
                        f"got {version!r}")
    else:
        try:
            major = int(version.split(".")[0])
        except ValueError:
            problems.append(f"runtime-version {version!r} is not a released GNOME version "
                            f"(expected a number >= {MIN_RUNTIME_VERSION})")
        else:
            if major < MIN_RUNTIME_VERSION:
                problems.append(f"runtime-version {version!r} is older than {MIN_RUNTIME_VERSION}")

    if manifest.get("command") != command:
        problems.append(f"command is {manifest.get('command')!r}, expected {command!r}")

    finish_args = manifest.get("finish-args")
    if not isinstance(finish_args, list) or not all(isinstance(a, str) for a in finish_args):
        problems.append("finish-args must be a list of strings")
    else:
        extra = [a for a in finish_args if a not in REQUIRED_FINISH_ARGS]
        missing = [a for a in REQUIRED_FINISH_ARGS if a not in finish_args]
        dupes = sorted({a for a in finish_args if finish_args.count(a) > 1})
        if extra:
            problems.append("finish-args has permissions that are not allowed: " + ", ".join(extra))
        if missing:
            problems.append("finish-args lacks required permissions: " + ", ".join(missing))
        if dupes:
            problems.append("finish-args repeats: " + ", ".join(dupes))

    modules = manifest.get("modules")
    if not isinstance(modules, list) or not modules:
        problems.append("modules must be a non-empty list")
    else:
        app = modules[-1]
        if not isinstance(app, dict):
            problems.append("the last module (the app itself) must be an object, not a file name")
        else:
            if app.get("buildsystem") != "meson":
                problems.append(f"the last module must use buildsystem 'meson', "
                                f"got {app.get('buildsystem')!r}")
            sources = app.get("sources")
            dirs = [s for s in sources if isinstance(s, dict) and s.get("type") == "dir"] \
                if isinstance(sources, list) else []
            if not dirs:
                problems.append("the last module must build this checkout (a source of type 'dir')")
            for source in dirs:
                path = source.get("path", "")
                root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(manifest_path)),
                                                     path))
                if not os.path.isfile(os.path.join(root, "meson.build")):
                    problems.append(f"dir source {path!r} does not point at the project root "
                                    f"({root} has no meson.build)")
        for module in modules:
            if isinstance(module, dict) and not module.get("name"):
                problems.append("every module needs a name")

    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest")
    parser.add_argument("--app-id", default="io.github.deepseeklocal.DeepSeekLocal")
    parser.add_argument("--command", default="deepseek-local")
    args = parser.parse_args()

    problems = check(args.manifest, args.app_id, args.command)
    if problems:
        print(f"{args.manifest}: FAILED")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"{args.manifest}: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
