"""The worker's tools that store nothing: the fair-pay check and the letter builder."""
