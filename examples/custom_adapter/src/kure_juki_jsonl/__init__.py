"""A storage adapter for kure_juki on a JSON-lines file, installed as a plugin.

Installing this package registers the URL scheme ``jsonl`` in the entry-point group
``kure_juki.adapters``, so the register finds it by URL::

    import kure_juki as kj
    reg = kj.open_registry("jsonl:///var/lib/kure/register.jsonl", municipality_code="342025")
"""

from kure_juki_jsonl.store import JsonlStore, JsonlUnitOfWork, open_store

__all__ = ["JsonlStore", "JsonlUnitOfWork", "open_store"]
