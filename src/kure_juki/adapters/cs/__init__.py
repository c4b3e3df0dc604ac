"""The CS link adapters: sealed envelopes, transports, the port's client and simulated peers."""
