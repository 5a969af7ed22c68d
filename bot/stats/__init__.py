"""/stats: aggregate report figures with small-cell protection, and their chart."""
