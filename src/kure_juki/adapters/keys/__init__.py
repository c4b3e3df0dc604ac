"""Key store adapters: a 0600 key file, the process environment, and an in-memory store."""

from kure_juki.adapters.keys.environment import EnvironmentKeyStore
from kure_juki.adapters.keys.file import FileKeyStore
from kure_juki.adapters.keys.memory import MemoryKeyStore

__all__ = ["EnvironmentKeyStore", "FileKeyStore", "MemoryKeyStore"]
