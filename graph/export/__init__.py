"""Exports: one module per format, each fed by a selection (graph.usecases.Subgraph) or by tables."""
