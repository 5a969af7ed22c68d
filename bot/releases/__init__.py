"""Frozen, differentially private releases: each closed month's reports are measured once, with
noise, and every figure that leaves the server (/stats, both export tiers) is worked out from that
stored measurement. See docs/privacy.md for the guarantee and docs/architecture.md for the path."""
