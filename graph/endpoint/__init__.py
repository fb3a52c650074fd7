"""The public SPARQL sandbox: query screening and the workers that run queries."""
