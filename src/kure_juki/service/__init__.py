"""Use cases: open a register, log in, submit notifications, read, search, print, export.

Policy and audit are applied here, once, for every path.
"""
