"""Shandong skills knowledge graph.

The public Python API lives here; see README "Python API".
"""
__version__ = "0.1.0"
