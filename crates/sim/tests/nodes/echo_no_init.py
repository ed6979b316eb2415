#!/usr/bin/env python3
"""A node that reads everything and never answers, not even init."""
import sys

for line in sys.stdin:
    pass
