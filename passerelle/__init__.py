"""Passerelle: a linked-data knowledge graph of integration services and practices."""
