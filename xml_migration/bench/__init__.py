"""Micro-benchmarks of the pure layers, reported by the `xml-migration bench` command."""
