"""Movements (異動): one handler per notification type, and the pure engine that runs them."""
