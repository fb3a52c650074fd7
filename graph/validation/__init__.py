"""The SHACL gate, validation planned by what a write touches, and the limits a write may not
pass."""
