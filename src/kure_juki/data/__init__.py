"""Reference data shipped with the package (read-only, never fetched at run time)."""
