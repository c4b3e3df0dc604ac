"""The pure domain core of the Basic Resident Register (住民基本台帳).

Nothing here performs I/O or reads the clock: dates come in as values, storage is reached only
through the :class:`~kure_juki.domain.register_view.RegisterView` protocol.
"""
