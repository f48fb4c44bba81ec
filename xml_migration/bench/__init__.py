"""Every measurement of the project: the benchmark suite, the soak, repeated clean runs."""
