"""Workers' own words: a reviewer reads each scrubbed free text and releases it (edited or not)
or deletes it (queue.py, flow.py); released texts leave unlinked, grouped so that none stands
alone (published.py)."""
