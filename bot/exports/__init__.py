"""Research exports: tables with suppression, k-anonymous microdata, codebook and notice, and the /export screens."""
