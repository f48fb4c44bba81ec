"""Mock source documents for a contract: realistic, deterministic, with injected faults."""
