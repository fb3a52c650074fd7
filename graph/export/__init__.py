"""Exports for portals and downloads: the full-graph dumps, the CPSV-AP profile of the services
and the DCAT-AP catalogue that describes them (with sizes and checksums of the actual bytes)."""
