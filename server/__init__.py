"""HTTP server, settings, database wiring and the `dangjian` CLI."""
