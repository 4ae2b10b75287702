"""BeltGraph: an industry-belt and supply-chain explorer (CLI package)."""

__version__ = "0.1.0"
