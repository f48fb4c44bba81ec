"""The `xml-migration` command line: a thin shell over the engine, the db layer and runs."""
