#!/usr/bin/env python3
"""Makes a copy of the workspace whose runner leaves the context machinery out, for
bench/run.sh to measure what that machinery costs against the same runner without it.

The product's source stays free of any switch: this script copies the workspace to the
folder given (default target/without-context-src) and edits the copy. In the copy, tasks
take no snapshot at spawn and swap no context per poll, so context variables do not follow
tasks there. Each edit must match exactly once: if the code it edits has changed, the script
fails and says which edit to update, instead of measuring something else.
"""
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "without-context-src")

EDITS = [
    ("runner-core/src/context.rs",
     "    if context_is_pristine() {\n        return Map::EMPTY;\n    }",
     "    if true {\n        return Map::EMPTY;\n    }"),
    ("runner-core/src/task_wrapper.rs",
     "    let swap = !(thread_is_pristine && map.is_pristine());",
     "    let swap = false && !(thread_is_pristine && map.is_pristine());"),
    ("runner-core/src/task_wrapper.rs",
     "            if !poll_state::context_is_pristine() {",
     "            if false && !poll_state::context_is_pristine() {"),
]


def main():
    if os.path.exists(DEST):
        shutil.rmtree(DEST)
    shutil.copytree(ROOT, DEST, ignore=shutil.ignore_patterns("target", ".git"))
    for path, old, new in EDITS:
        full = os.path.join(DEST, path)
        with open(full) as f:
            text = f.read()
        count = text.count(old)
        if count != 1:
            sys.exit(f"bench/without_context.py: the edit of {path} matches {count} times, "
                     f"not once; update it to the current code:\n{old}")
        with open(full, "w") as f:
            f.write(text.replace(old, new))
    print(DEST)


if __name__ == "__main__":
    main()
