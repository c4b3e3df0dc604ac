"""Interfaces (typing.Protocol) the service layer needs from the outside world."""
