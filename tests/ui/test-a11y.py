#!/usr/bin/python3
# test-a11y.py: the window as a screen reader reads it, through AT-SPI
#
# Copyright 2026 DeepSeek Local developers
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the Ollama double and the real app in this D-Bus session, finds the app in the
# accessibility tree, goes through the setup wizard by its named buttons (a model already on the
# server is picked by its radio button), checks that every control a person uses has a name,
# then writes a question into the message box and presses Send the way assistive technology
# does, and reads the answer and the folded reasoning back from the tree.
#
# Usage: test-a11y.py DEEPSEEK_LOCAL DSL_OLLAMA_DOUBLE MACHINES_DIR

import os
import re
import subprocess
import sys
import time

import pyatspi

APP, DOUBLE, MACHINES = sys.argv[1], sys.argv[2], sys.argv[3]
ANSWER = "Three is smaller than five."
SCENARIO = ('{"models":[{"name":"deepseek-r1:14b"}],"chat":{"thinking_form":"field",'
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


def press(app, name, role="push button"):
    """Activates the control called name once it is there and sensitive, as a screen reader
    user would."""
    def ready():
        node = find(app, role, name)
        if node is not None and node.getState().contains(pyatspi.STATE_SENSITIVE):
            return node
        return None

    node = wait_for(name, ready)
    check(node is not None, "a %s named “%s” can be used" % (role, name))
    if node is None:
        print("  there are: %r" % [(n.getRoleName(), n.name) for n in walk(app)
                                   if "8B" in (n.name or "") or n.getRoleName() in
                                   ("push button", "radio button", "check box")])
    if node is not None:
        node.queryAction().doAction(0)
    return node is not None


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is not None and app.name == "deepseek-local":
            return app
    return None


# Bring the accessibility bus and registry up before the app starts, so the app finds them.
pyatspi.Registry.getDesktop(0)

# A desktop with an RTX 3060 (tests/hardware/machines), so that the wizard's choice is the same
# on every machine.
machine = os.path.join(MACHINES, "desktop-rtx3060")
env = dict(os.environ, OLLAMA_HOST="127.0.0.1:0", DSL_DOUBLE_SCENARIO=SCENARIO,
           DSL_SYSROOT=machine, PATH=os.path.join(machine, "bin") + ":/usr/bin:/bin")
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

    # First start: the setup wizard. Ollama answers and has deepseek-r1:14b already.
    press(app, "Get Started")
    press(app, "Continue")
    press(app, "Use This Server")
    # The recommended model for this machine is there already, and chosen. (GTK 4.8 gives a
    # grouped check button the role of a check box, and no action to click it by.)
    chosen = wait_for("14b chosen", lambda: (find(app, "check box", "DeepSeek-R1-14B") or None)
                      and find(app, "check box", "DeepSeek-R1-14B").getState()
                      .contains(pyatspi.STATE_CHECKED), 10)
    check(bool(chosen), "DeepSeek-R1-14B, recommended and downloaded, is chosen")
    downloaded = wait_for("the Downloaded mark", lambda: find(app, "label", "Downloaded"))
    check(downloaded is not None, "the model already there is marked “Downloaded”")
    press(app, "Continue")
    press(app, "Start Chatting")

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
    # ... and none is read out twice ("Cancel Cancel") or with its mnemonic underscore.
    doubled = [n.name for n in walk(app)
               if n.getRoleName() == "push button"
               and (re.match(r"^(.+) \1$", n.name or "") or "_" in (n.name or ""))]
    check(doubled == [], "no button named twice or with an underscore (got %r)" % doubled)

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
