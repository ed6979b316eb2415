#!/usr/bin/env python3
"""Answers init, starts a long-lived child process, then stops answering.

The child (pid written to stderr) checks that teardown kills the whole
process group, not just the node.
"""
import os
import subprocess
import sys
import time
import node_lib


def hang(m):
    time.sleep(3600)


def start_child():
    child = subprocess.Popen(["sleep", "3600"])
    node_lib.log("child pid %d node pid %d" % (child.pid, os.getpid()))


node_lib.run({"echo": hang}, on_init=start_child)
