"""Card-reader adapters: the simulated card and reader, PC/SC on pyscard, the vpcd bridge."""
