"""The one write path (plan, check, commit, audit) and what rides on it: records, the Graph
Store Protocol, SPARQL Update, files."""
