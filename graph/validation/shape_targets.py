"""The shapes as the validator runs them: property shapes carry their node shapes' targets.

pySHACL checks a property shape reached through ``sh:property`` once per focus node, building
its constraint components again each time; a property shape with targets of its own is checked
once for all its focus nodes. Both say the same thing (a node shape's property shapes apply to
exactly its focus nodes, and their findings name the property shape either way), so the shapes
the validator runs have each node shape's targets copied onto its property shapes, which then
stand alone: an import of many rows validates much faster. The shapes files
keep the readable form; only node shapes that no other shape refers to are rewritten, since a
node shape used through ``sh:node`` or ``sh:or`` must keep its properties.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import SH

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def flattened(shapes: Graph) -> Graph:
    """A copy of ``shapes`` in which targeted node shapes hand their targets to their
    property shapes."""
    out = Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace, override=True)
    for triple in shapes:
        out.add(triple)
    for node in set(shapes.subjects(SH.property, None)):
        targets = [(p, o) for p in TARGETS for o in shapes.objects(node, p)]
        if not targets or (None, None, node) in shapes:
            continue
        for prop in list(shapes.objects(node, SH.property)):
            for predicate, target in targets:
                out.add((prop, predicate, target))
            out.remove((node, SH.property, prop))
    return out
