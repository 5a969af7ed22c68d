"""Research exports worked out from the stored releases: noisy tables, synthetic microdata, codebook and notice,
and the /export screens."""
