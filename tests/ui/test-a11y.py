#!/usr/bin/python3
# test-a11y.py: the window as a screen reader reads it, through AT-SPI
#
# Copyright 2026 DeepSeek Local developers
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the Ollama double and the real app in this D-Bus session, finds the app in the
# accessibility tree, checks that every control a person uses has a name, then writes a question
# into the message box and presses Send the way assistive technology does, and reads the answer
# and the folded reasoning back from the tree.
#
# Usage: test-a11y.py DEEPSEEK_LOCAL DSL_OLLAMA_DOUBLE

import os
import re
import subprocess
import sys
import time

import pyatspi

APP, DOUBLE = sys.argv[1], sys.argv[2]
ANSWER = "Three is smaller than five."
SCENARIO = ('{"models":[{"name":"deepseek-r1:8b"}],"chat":{"thinking_form":"field",'
            '"reasoning":"The user asks about 3 and 5.","answer":"%s"}}' % ANSWER)

failures = []


def check(ok, what):
    print(("ok: " if ok else "FAILED: ") + what)
    if not ok:
        failures.append(what)


def walk(node):
    try:
        yield node
        for i in range(node.childCount):
            child = node.getChildAtIndex(i)
            if child is not None:
                yield from walk(child)
    except Exception:
        return


def find(app, role, name=None, pattern=None):
    for node in walk(app):
        try:
            if node.getRoleName() != role:
                continue
            if name is not None and node.name != name:
                continue
            if pattern is not None and not re.search(pattern, node.name or ""):
                continue
            return node
        except Exception:
            continue
    return None


def wait_for(what, func, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        found = func()
        if found:
            return found
        time.sleep(0.2)
    return None


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is not None and app.name == "deepseek-local":
            return app
    return None


# Bring the accessibility bus and registry up before the app starts, so the app finds them.
pyatspi.Registry.getDesktop(0)

env = dict(os.environ, OLLAMA_HOST="127.0.0.1:0", DSL_DOUBLE_SCENARIO=SCENARIO)
env.pop("GTK_A11Y", None)
double = subprocess.Popen([DOUBLE, "serve"], env=env, stderr=subprocess.PIPE, text=True)
port = None
for line in double.stderr:
    match = re.search(r"Listening on 127\.0\.0\.1:(\d+)", line)
    if match:
        port = match.group(1)
        break

env["OLLAMA_HOST"] = "127.0.0.1:" + port
app_process = subprocess.Popen([APP], env=env)

try:
    app = wait_for("the app", find_app, timeout=40)
    check(app is not None, "the app is in the accessibility tree")
    if app is None and app_process.poll() is not None:
        print("the app exited with %d" % app_process.returncode)
    if app is None:
        sys.exit(1)

    message = wait_for("the message box", lambda: find(app, "text", "Message"))
    check(message is not None, "the message box is named “Message”")
    for role, name in (("push button", "New Chat"), ("push button", "Main Menu"),
                       ("push button", "Send"), ("combo box", "Model")):
        check(find(app, role, name) is not None, "a %s named “%s”" % (role, name))

    # Every button a person can reach has a name that is not a widget class.
    unnamed = [n.name for n in walk(app)
               if n.getRoleName() == "push button" and re.match(r"^(Gtk|Adw|$)", n.name or "")]
    check(unnamed == ["GtkToggleButton"] or unnamed == [],
          "no unnamed buttons but the model picker's inner toggle (got %r)" % unnamed)

    if message is not None:
        message.queryEditableText().setTextContents("Is 3 < 5?")
        send = find(app, "push button", "Send")
        wait_for("Send enabled", lambda: send.getState().contains(pyatspi.STATE_SENSITIVE), 5)
        send.queryAction().doAction(0)

        answer = wait_for("the answer", lambda: find(app, "label", ANSWER))
        check(answer is not None, "the answer is read out: “%s”" % ANSWER)
        thought = wait_for("the reasoning", lambda: find(app, "label", pattern=r"^Thought for"))
        check(thought is not None, "the folded reasoning says “Thought for …”")
        question = find(app, "label", "Is 3 < 5?")
        check(question is not None, "the question is read out")
finally:
    app_process.terminate()
    double.terminate()
    app_process.wait(10)
    double.wait(10)

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
