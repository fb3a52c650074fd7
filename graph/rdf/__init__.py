"""RDF itself: namespaces, the table of formats, SPARQL text, binding values, the .rq queries."""
