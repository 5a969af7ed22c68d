"""Start-up wiring, above handlers/: the command line, the offline bot (sandbox) for the demo
and the tests, the webhook server and the health check. Nothing below imports it."""
