"""Where the graph lives: the Store interface, the embedded and remote stores, opening and
seeding."""
