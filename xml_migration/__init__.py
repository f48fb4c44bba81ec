"""xml_migration: migrate XML documents into relational tables, driven by a mapping contract."""
